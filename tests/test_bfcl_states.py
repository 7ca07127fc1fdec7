"""Generated BFCL initial states: loadable, readable through the real classes, varied, deterministic,
JSON-only, and never equal to a BFCL multi-turn test entry's state."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import random
import tempfile
from pathlib import Path

# bfcl_eval may create folders under its PROJECT_ROOT (site-packages by default): point it elsewhere.
os.environ.setdefault("BFCL_PROJECT_ROOT", str(Path(tempfile.gettempdir()) / "magnet-graph-bfcl-root"))

import pytest  # noqa: E402

from magnet_graph.bfcl.states import STATE_GENERATORS, generate_state  # noqa: E402

SEEDS = range(25)
FUNC_SOURCE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
MODULES = {
    "GorillaFileSystem": "gorilla_file_system",
    "MathAPI": "math_api",
    "MessageAPI": "message_api",
    "TwitterAPI": "posting_api",
    "TicketAPI": "ticket_api",
    "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking",
    "VehicleControlAPI": "vehicle_control",
}
STATEFUL = sorted(set(MODULES) - {"MathAPI"})


def _canon(state: dict) -> str:
    return json.dumps(state, sort_keys=True)


def _load(class_name: str, state: dict):
    """A fresh instance of the real BFCL class, loaded from a JSON round-trip of ``state``."""
    cls = getattr(importlib.import_module(f"{FUNC_SOURCE}.{MODULES[class_name]}"), class_name)
    instance = cls()
    if hasattr(instance, "_load_scenario"):  # MathAPI is stateless and has none (BFCL skips it too)
        instance._load_scenario(json.loads(_canon(state)))  # as recorded: keys sorted
    return instance


def _is_error(result) -> bool:
    if isinstance(result, dict):
        return "error" in result
    if isinstance(result, list) and result:  # some BFCL methods report errors as a one-item list
        first = result[0]
        return (isinstance(first, dict) and "error" in first) or (isinstance(first, str) and first.startswith("Error"))
    return False


# --- read-only probes, one per class: each returns the results it checked ----------------------


def _probe_file_system(fs, state):
    root_name, root = next(iter(state["root"].items()))
    contents = root["contents"]
    files = [n for n, v in contents.items() if v["type"] == "file" and not n.startswith(".")]
    dirs = [n for n, v in contents.items() if v["type"] == "directory"]
    assert files and dirs
    pwd, ls, cat, wc = fs.pwd(), fs.ls(), fs.cat(files[0]), fs.wc(files[0], "w")
    assert pwd == {"current_working_directory": f"/{root_name}"}
    assert ls == {"current_directory_content": [n for n in contents if not n.startswith(".")]}
    assert cat == {"file_content": contents[files[0]]["content"]}
    found = fs.find()
    assert len(found["matches"]) >= len(contents)
    cd = fs.cd(dirs[0])
    inner = fs.ls(a=True)
    assert inner == {"current_directory_content": list(contents[dirs[0]]["contents"])}
    return [pwd, ls, cat, wc, found, cd, inner]


def _probe_math(math_api, state):
    assert state == {}
    return [math_api.add(2, 3), math_api.mean([1.0, 2.0, 4.0])]


def _probe_message(api, state):
    users = api.list_users()
    assert users == {"user_list": list(state["user_map"])}
    name, user_id = next(iter(state["user_map"].items()))
    got_id = api.get_user_id(name)
    assert got_id == {"user_id": user_id}
    sent = api.view_messages_sent()
    assert sum(len(v) for v in sent["messages"].values()) == len(state["inbox"])
    assert api.message_get_login_status() == {"login_status": True}
    return [users, got_id, sent, api.get_message_stats()]


def _probe_twitter(api, state):
    user = state["username"]
    own = api.get_user_tweets(user)
    assert own and all(t["username"] == user for t in own)
    first = api.get_tweet(0)
    assert first["content"] == state["tweets"]["0"]["content"]
    stats = api.get_user_stats(user)
    assert stats["tweet_count"] == len(own)
    assert api.authenticate_twitter(user, state["password"]) == {"authentication_status": True}
    following = api.list_all_following()
    assert following == {"following_list": state["following_list"]}
    return [own, first, stats, following]


def _probe_ticket(api, state):
    mine = api.get_user_tickets()
    assert mine and all(t["created_by"] == state["current_user"] for t in mine)
    first_id = state["ticket_queue"][0]["id"]
    ticket = api.get_ticket(first_id)
    assert ticket["title"] == state["ticket_queue"][0]["title"]
    assert api.ticket_get_login_status() == {"login_status": True}
    assert state["ticket_counter"] > max(t["id"] for t in state["ticket_queue"])
    return [mine, ticket]


def _probe_trading(bot, state):
    login = bot.trading_login("synthetic_user", "synthetic-pass")
    account = bot.get_account_info()
    assert account == state["account_info"]
    watchlist = bot.get_watchlist()
    assert watchlist == {"watchlist": state["watch_list"]}
    order_id, order = next(iter(state["orders"].items()))
    details = bot.get_order_details(int(order_id))
    assert details == order
    stock = bot.get_stock_info(order["symbol"])
    assert stock == state["stocks"][order["symbol"]]
    history = bot.get_transaction_history(start_date="2024-01-01", end_date="2024-12-31")
    assert len(history["transaction_history"]) == len(state["transaction_history"])
    assert state["order_counter"] > max(int(k) for k in state["orders"])
    return [login, account, watchlist, details, stock, history, bot.get_order_history()]


def _probe_travel(api, state):
    cards = api.get_all_credit_cards()
    assert cards == {"credit_card_list": state["credit_card_list"]}
    card_id, card = next(iter(state["credit_card_list"].items()))
    token = state["access_token"]
    balance = api.get_credit_card_balance(token, card_id)
    assert balance == {"card_balance": card["balance"]}
    history = api.get_booking_history(token)
    assert history == {"booking_history": state["booking_record"]}
    verified = api.verify_traveler_information(
        state["user_first_name"], state["user_last_name"], "1990-05-17", "US1234567"
    )
    assert verified == {"verification_status": True}
    return [cards, api.get_budget_fiscal_year(), balance, history, verified]


def _probe_vehicle(car, state):
    fuel = car.displayCarStatus("fuel")
    assert fuel == {"fuelLevel": state["fuelLevel"]}
    doors = car.displayCarStatus("doors")
    assert doors == {"doorStatus": state["doorStatus"]}
    engine = car.displayCarStatus("engine")
    assert engine == {"engineState": state["engineState"]}
    tires = car.check_tire_pressure()
    assert tires["frontLeftTirePressure"] == state["frontLeftTirePressure"]
    assert 0 <= state["fuelLevel"] <= 50 and 0 <= state["fanSpeed"] <= 100
    assert car.remainingUnlockedDoors == state["remainingUnlockedDoors"]
    return [fuel, doors, engine, tires, car.displayCarStatus("climate")]


PROBES = {
    "GorillaFileSystem": _probe_file_system,
    "MathAPI": _probe_math,
    "MessageAPI": _probe_message,
    "TwitterAPI": _probe_twitter,
    "TicketAPI": _probe_ticket,
    "TradingBot": _probe_trading,
    "TravelAPI": _probe_travel,
    "VehicleControlAPI": _probe_vehicle,
}


def test_generators_cover_all_bfcl_classes():
    assert set(STATE_GENERATORS) == set(MODULES)


def test_unknown_class_raises_value_error():
    with pytest.raises(ValueError, match="NoSuchAPI"):
        generate_state("NoSuchAPI", random.Random(0))


@pytest.mark.parametrize("class_name", sorted(MODULES))
def test_states_load_and_read_methods_work(class_name):
    for seed in SEEDS:
        state = generate_state(class_name, random.Random(seed))
        results = PROBES[class_name](_load(class_name, state), state)
        assert len(results) >= 2
        errors = [r for r in results if _is_error(r)]
        assert not errors, f"{class_name} seed {seed}: {errors}"


@pytest.mark.parametrize("class_name", sorted(MODULES))
def test_states_are_json_only_and_deterministic(class_name):
    for seed in SEEDS:
        state = generate_state(class_name, random.Random(seed))
        assert json.loads(_canon(state)) == state  # no int keys, tuples, sets...
        assert json.dumps(state) == _canon(state)  # keys already sorted: recording keeps behaviour
        assert _canon(generate_state(class_name, random.Random(seed))) == _canon(state)


@pytest.mark.parametrize("class_name", STATEFUL)
def test_states_vary_with_the_seed(class_name):
    distinct = {_canon(generate_state(class_name, random.Random(seed))) for seed in SEEDS}
    assert len(distinct) >= 20


def _public_view(class_name: str, state: dict):
    """What a loaded instance holds: the state as BFCL sees it, defaults filled in."""
    instance = _load(class_name, state)
    if class_name == "GorillaFileSystem":
        return instance.root
    return {k: v for k, v in vars(instance).items() if not k.startswith("_") and k != "long_context"}


def test_no_generated_state_equals_a_bfcl_test_entry():
    """Contamination check: only compares against BFCL's multi-turn base entries."""
    package = Path(importlib.util.find_spec("bfcl_eval").origin).parent
    data = package / "data" / "BFCL_v4_multi_turn_base.json"
    entry_states: dict[str, list[dict]] = {name: [] for name in STATEFUL}
    for line in data.read_text(encoding="utf-8").splitlines():
        if line.strip():
            for name, state in json.loads(line)["initial_config"].items():
                if name in entry_states:
                    entry_states[name].append(state)
    assert sum(map(len, entry_states.values())) > 0
    for name in STATEFUL:
        test_texts = {_canon(s) for s in entry_states[name]}
        test_views = [_public_view(name, s) for s in entry_states[name]]
        for seed in SEEDS:
            state = generate_state(name, random.Random(seed))
            assert _canon(state) not in test_texts, f"{name} seed {seed} equals a BFCL test state"
            view = _public_view(name, state)
            clash = any(view == other for other in test_views)
            assert not clash, f"{name} seed {seed} loads like a BFCL test state"
