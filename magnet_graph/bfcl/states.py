"""Initial-state generators for the 8 BFCL multi-turn tool classes (the BFCL class backend draws from them).

Each generator takes a ``random.Random`` and returns a scenario dict that the class's
``_load_scenario`` accepts. States are built here from small word lists of our own (never copied
from BFCL test entries), are deterministic given the rng, and contain only JSON types (str keys,
str/int/float/bool/None/list/dict values) so they can be recorded and hashed.

Every dict in a state has its keys in sorted order, so a ``json.dumps(..., sort_keys=True)``
round trip (how states are recorded and hashed) gives back a state that behaves identically
(``ls`` order, ``list_users`` order...).

Callers should hand each class instance its own copy of a state (``copy.deepcopy``): several BFCL
classes keep references to the scenario's lists and dicts and mutate them in place.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

__all__ = ["STATE_GENERATORS", "generate_state"]

# --- shared word lists -------------------------------------------------------------------------

FIRST_NAMES = [
    "Priya",
    "Mateo",
    "Hana",
    "Olusegun",
    "Ingrid",
    "Tomasz",
    "Leila",
    "Kenji",
    "Ava",
    "Rafael",
    "Sofia",
    "Noah",
    "Mei",
    "Jonas",
    "Amara",
    "Lucas",
]
LAST_NAMES = [
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Moreau",
    "Castillo",
    "Novak",
    "Haddad",
    "Brennan",
    "Iyer",
    "Kowalski",
    "Ferreira",
    "Nakamura",
    "Osei",
    "Varga",
]
HANDLE_WORDS = ["codes", "travels", "bakes", "runs", "writes", "builds", "reads", "hikes"]

SUBJECTS = ["The team", "Finance", "The new intern", "Our vendor", "The build server", "Design"]
VERBS = ["needs to review", "finished", "postponed", "updated", "is waiting on", "approved"]
OBJECTS = [
    "the quarterly report",
    "the budget draft",
    "the onboarding checklist",
    "the API migration",
    "the test plan",
    "the design mockups",
    "the release notes",
]
TAILS = ["by Friday.", "before the next sprint.", "yesterday.", "this morning.", "for the demo."]
TOPICS = ["productivity", "travel", "coffee", "python", "gardening", "music", "running", "books"]


def _sentence(rng: random.Random) -> str:
    """One short office-flavoured sentence."""
    return " ".join([rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(TAILS)])


def _people(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` distinct (first, last) name pairs."""
    return list(zip(rng.sample(FIRST_NAMES, n), rng.sample(LAST_NAMES, n)))


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


def _date(rng: random.Random, year: int, last_month: int = 12) -> str:
    return f"{year}-{rng.randint(1, last_month):02d}-{rng.randint(1, 28):02d}"


def _timestamp(rng: random.Random, year: int, last_month: int = 12) -> str:
    hms = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return f"{_date(rng, year, last_month)} {hms}"


def _test_card_number(rng: random.Random) -> str:
    """A 16-digit number in the well-known 4111 test-card range: obviously not a real card."""
    return "4111" + "".join(str(rng.randint(0, 9)) for _ in range(12))


# --- GorillaFileSystem -------------------------------------------------------------------------

DIR_NAMES = [
    "docs",
    "data",
    "src",
    "reports",
    "archive",
    "scripts",
    "notes",
    "backup",
    "logs",
    "assets",
    "experiments",
    "drafts",
    "invoices",
    "photos",
]
ROOT_SUFFIXES = ["workspace", "files", "projects", "home", "lab"]


def _notes_file(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(["meeting_notes", "todo", "ideas", "journal", "draft", "reminders"]) + ".txt"
    return name, "\n".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _csv_file(rng: random.Random) -> tuple[str, str]:
    stem = rng.choice(["sales", "inventory", "budget", "survey_results", "metrics", "expenses"])
    name = f"{stem}_{rng.randint(2019, 2024)}.csv" if rng.random() < 0.5 else f"{stem}.csv"
    label, values = rng.choice(
        [
            ("region", ["north", "south", "east", "west"]),
            ("item", ["pens", "paper", "toner", "chairs", "cables"]),
            ("month", ["jan", "feb", "mar", "apr", "may", "jun"]),
        ]
    )
    metric = rng.choice(["amount", "count", "score", "cost"])
    rows = [f"{v},{rng.randint(1, 999)}" for v in rng.sample(values, rng.randint(2, len(values)))]
    return name, "\n".join([f"{label},{metric}", *rows])


def _python_file(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(["main", "utils", "config", "analysis", "cleanup", "report_gen"]) + ".py"
    verb, noun = rng.choice(["load", "parse", "count", "check"]), rng.choice(["rows", "users", "files"])
    body = [
        f"def {verb}_{noun}(items):",
        f"    return len(items) * {rng.randint(1, 9)}",
        "",
        "if __name__ == '__main__':",
        f"    print({verb}_{noun}([{rng.randint(1, 5)}]))",
    ]
    return name, "\n".join(body)


def _markdown_file(rng: random.Random) -> tuple[str, str]:
    stem = rng.choice(["README", "report", "summary", "proposal", "changelog", "roadmap"])
    lines = [f"# {stem.capitalize()}", ""] + [f"- {_sentence(rng)}" for _ in range(rng.randint(2, 4))]
    return stem + ".md", "\n".join(lines)


def _log_file(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(["server", "build", "errors", "access", "backup"]) + ".log"
    events = [
        "job started",
        "cache warmed",
        "disk usage at {n}%",
        "retrying request {n}",
        "job finished in {n}s",
        "connection reset by peer",
    ]
    lines = [
        f"{_timestamp(rng, 2024)} {rng.choice(['INFO', 'INFO', 'WARN', 'ERROR'])} "
        + rng.choice(events).format(n=rng.randint(2, 99))
        for _ in range(rng.randint(3, 6))
    ]
    return name, "\n".join(sorted(lines))  # chronological


FILE_MAKERS = [_notes_file, _csv_file, _python_file, _markdown_file, _log_file]


def _fs_contents(rng: random.Random, depth: int) -> dict:
    """Contents of one directory: 1-3 files, plus sub-folders down to two levels under the root."""
    contents: dict = {}
    for _ in range(rng.randint(1, 3)):
        name, text = rng.choice(FILE_MAKERS)(rng)
        if name not in contents:
            contents[name] = {"type": "file", "content": text}
    if depth == 0 and rng.random() < 0.3:
        contents[".gitignore"] = {"type": "file", "content": "*.log\n__pycache__/"}
    n_dirs = {0: rng.randint(1, 3), 1: rng.randint(0, 2)}.get(depth, 0)
    for dir_name in rng.sample(DIR_NAMES, n_dirs):
        sub = _fs_contents(rng, depth + 1) if rng.random() < 0.85 else {}
        contents[dir_name] = {"type": "directory", "contents": sub}
    return contents


def gorilla_file_system_state(rng: random.Random) -> dict:
    """A named root folder (where the session starts) with text files and nested sub-folders."""
    owner = rng.choice(FIRST_NAMES).lower()
    suffix = rng.choice(ROOT_SUFFIXES)
    root_name = f"{owner}_{suffix}" if rng.random() < 0.6 else suffix
    return {"root": {root_name: {"type": "directory", "contents": _fs_contents(rng, 0)}}}


# --- MathAPI -----------------------------------------------------------------------------------


def math_api_state(rng: random.Random) -> dict:
    """MathAPI is stateless."""
    return {}


# --- MessageAPI --------------------------------------------------------------------------------

MESSAGE_TEMPLATES = [
    "Can you send me {obj} {tail}",
    "Thanks for the help with {obj}!",
    "Reminder: {obj} is due {tail}",
    "Are we still meeting about {obj}?",
    "I left comments on {obj}.",
]


def message_api_state(rng: random.Random) -> dict:
    """3-6 workspace users (ids USR001...), a logged-in user, and a few sent messages."""
    names = [first for first, _ in _people(rng, rng.randint(3, 6))]
    user_map = {name: f"USR{i:03d}" for i, name in enumerate(names, start=1)}
    current = rng.choice(list(user_map.values()))
    others = [uid for uid in user_map.values() if uid != current]
    inbox = []
    for _ in range(rng.randint(1, 5)):
        text = rng.choice(MESSAGE_TEMPLATES).format(obj=rng.choice(OBJECTS), tail=rng.choice(TAILS))
        inbox.append({rng.choice(others): text})
    return {
        "random_seed": rng.randint(1000, 999999),
        "user_count": len(user_map),
        "user_map": user_map,
        "inbox": inbox,
        "message_count": len(inbox),
        "current_user": current,
    }


# --- TwitterAPI --------------------------------------------------------------------------------


def _handle(first: str, rng: random.Random) -> str:
    return f"{first.lower()}_{rng.choice(HANDLE_WORDS)}"


def twitter_api_state(rng: random.Random) -> dict:
    """A user with synthetic credentials, a follow list, and tweets by the user and followees.

    ``comments`` stays empty: the class converts tweet ids to int on load but not comment keys, so
    JSON (string-keyed) comments would be unreachable through ``get_tweet_comments``.
    """
    people = _people(rng, rng.randint(3, 6))
    username = _handle(people[0][0], rng)
    following = [_handle(first, rng) for first, _ in people[1:]]
    tweets: dict = {}
    for tweet_id in range(rng.randint(2, 6)):
        author = username if tweet_id == 0 or rng.random() < 0.6 else rng.choice(following)
        topic = rng.choice(TOPICS)
        mentions = [f"@{rng.choice(following)}"] if rng.random() < 0.4 else []
        tweets[str(tweet_id)] = {
            "id": tweet_id,
            "username": author,
            "content": f"Thinking about {topic}: {_sentence(rng)}",
            "tags": [f"#{topic}"] + ([f"#{rng.choice(TOPICS)}"] if rng.random() < 0.3 else []),
            "mentions": mentions,
        }
    others = [int(k) for k, t in tweets.items() if t["username"] != username]
    retweets = {username: rng.sample(others, rng.randint(0, len(others)))} if others else {}
    return {
        "username": username,
        "password": f"test-pass-{rng.randint(1000, 9999)}",
        "authenticated": rng.random() < 0.5,
        "tweets": tweets,
        "comments": {},
        "retweets": retweets,
        "following_list": following,
        "tweet_counter": len(tweets),
    }


# --- TicketAPI ---------------------------------------------------------------------------------

TICKET_ISSUES = [
    ("VPN disconnects", "The VPN drops every few minutes when working remotely."),
    ("Laptop battery", "Battery drains from full to empty in under two hours."),
    ("Printer jam", "The third-floor printer jams on double-sided jobs."),
    ("Password reset", "Locked out of the expense portal after the password change."),
    ("Monitor request", "Requesting a second monitor for the design desk."),
    ("Email sync", "Calendar invites are not syncing to the mobile app."),
    ("Software licence", "Need a licence for the statistics package."),
    ("Wi-Fi dead zone", "No Wi-Fi signal in meeting room B."),
]
TICKET_STATUSES = ["Open", "Open", "In Progress", "Resolved", "Closed"]
RESOLUTIONS = [
    "Replaced the hardware.",
    "Reset the account.",
    "Updated the driver.",
    "Escalated and fixed.",
]


def ticket_api_state(rng: random.Random) -> dict:
    """A logged-in user and 2-6 support tickets, most of them filed by that user."""
    people = _people(rng, 3)
    current = f"{people[0][0].lower()}.{people[0][1].lower()}"
    colleagues = [f"{first.lower()}.{last.lower()}" for first, last in people[1:]]
    next_id = rng.randint(1, 900)
    queue = []
    for i, (title, description) in enumerate(rng.sample(TICKET_ISSUES, rng.randint(2, 6))):
        status = rng.choice(TICKET_STATUSES)
        ticket = {
            "id": next_id,
            "title": title,
            "description": description,
            "status": status,
            "priority": rng.randint(1, 5),
            "created_by": current if i == 0 or rng.random() < 0.7 else rng.choice(colleagues),
        }
        if status == "Resolved":
            ticket["resolution"] = rng.choice(RESOLUTIONS)
        queue.append(ticket)
        next_id += rng.randint(1, 4)
    return {"ticket_queue": queue, "ticket_counter": next_id, "current_user": current}


# --- TradingBot --------------------------------------------------------------------------------

# Mostly symbols TradingBot.get_symbol_by_name / get_available_stocks know, plus a few of our own.
TICKERS = [
    "AAPL",
    "GOOG",
    "TSLA",
    "MSFT",
    "NVDA",
    "AMZN",
    "ZETA",
    "ALPH",
    "OMEG",
    "QUAS",
    "NEPT",
    "SYNX",
    "GORI",
    "F",
    "GM",
    "KLVN",
    "BRDG",
]


def _stock(rng: random.Random) -> dict:
    price = _money(rng, 8, 900)
    return {
        "price": price,
        "percent_change": round(rng.uniform(-3, 3), 2),
        "volume": round(rng.uniform(0.2, 5), 3),
        "MA(5)": round(price * rng.uniform(0.97, 1.03), 2),
        "MA(20)": round(price * rng.uniform(0.92, 1.08), 2),
    }


def trading_bot_state(rng: random.Random) -> dict:
    """An account, 5-9 priced stocks, a watchlist, past orders, transactions, and market status."""
    stocks = {symbol: _stock(rng) for symbol in rng.sample(TICKERS, rng.randint(5, 9))}
    symbols = list(stocks)
    order_id = rng.randint(10000, 90000)
    orders = {}
    for _ in range(rng.randint(1, 4)):
        symbol = rng.choice(symbols)
        orders[str(order_id)] = {
            "id": order_id,
            "order_type": rng.choice(["Buy", "Sell"]),
            "symbol": symbol,
            "price": round(stocks[symbol]["price"] * rng.uniform(0.95, 1.05), 2),
            "amount": rng.randint(1, 50),
            "status": rng.choice(["Completed", "Completed", "Pending", "Open", "Cancelled"]),
        }
        order_id += rng.randint(1, 120)
    history = sorted(
        (
            {
                "type": rng.choice(["deposit", "withdrawal"]),
                "amount": _money(rng, 50, 5000),
                "timestamp": _timestamp(rng, 2024, last_month=8),
            }
            for _ in range(rng.randint(0, 4))
        ),
        key=lambda t: t["timestamp"],
    )
    return {
        "orders": orders,
        "account_info": {
            "account_id": rng.randint(10000, 99999),
            "balance": _money(rng, 500, 50000),
            "binding_card": int(_test_card_number(rng)),
        },
        "authenticated": rng.random() < 0.5,
        "market_status": rng.choice(["Open", "Closed"]),
        "order_counter": order_id,
        "stocks": stocks,
        "watch_list": rng.sample(symbols, rng.randint(1, 3)),
        "transaction_history": history,
        "random_seed": rng.randint(1000, 999999),
    }


# --- TravelAPI ---------------------------------------------------------------------------------

# Airport codes from TravelAPI.list_all_airports.
AIRPORTS = [
    "SFO",
    "LAX",
    "JFK",
    "ORD",
    "BOS",
    "RMS",
    "SBK",
    "MPC",
    "SVP",
    "SHD",
    "SSV",
    "OKD",
    "WLB",
    "CRH",
    "ATV",
    "PHV",
    "GFD",
    "PEK",
    "HND",
    "HKG",
    "CIA",
    "CDG",
    "LHR",
]


def travel_api_state(rng: random.Random) -> dict:
    """A traveller with 1-3 credit cards, maybe past bookings, a session token and a budget."""
    (first, last), (other_first, _) = _people(rng, 2)
    cards = {}
    for _ in range(rng.randint(1, 3)):
        holder = f"{first} {last}" if not cards or rng.random() < 0.7 else f"{other_first} {last}"
        cards[str(rng.randint(10**11, 10**12 - 1))] = {
            "card_number": _test_card_number(rng),
            "expiration_date": f"{rng.randint(1, 12):02d}/{rng.randint(2026, 2031)}",
            "cardholder_name": holder,
            "card_verification_number": rng.randint(100, 999),
            "balance": _money(rng, 200, 25000),
        }
    bookings = {}
    for _ in range(rng.randint(0, 2)):
        origin, destination = rng.sample(AIRPORTS, 2)
        bookings[str(rng.randint(10**6, 10**7 - 1))] = {
            "card_id": rng.choice(list(cards)),
            "travel_date": _date(rng, rng.choice([2024, 2025])),
            "travel_from": origin,
            "travel_to": destination,
            "travel_class": rng.choice(["economy", "economy", "business", "first"]),
            "travel_cost": float(rng.randint(90, 2400)),
            "transaction_id": str(rng.randint(10**7, 10**8 - 1)),
        }
    logged_in = rng.random() < 0.6
    return {
        "random_seed": rng.randint(1000, 999999),
        "credit_card_list": cards,
        "booking_record": bookings,
        "access_token": f"synthetic-token-{rng.randint(100000, 999999)}" if logged_in else None,
        "token_type": "Bearer" if logged_in else None,
        "token_expires_in": rng.randint(1, 24) if logged_in else None,
        "token_scope": rng.choice(["read_write", "read", "write"]) if logged_in else None,
        "user_first_name": first,
        "user_last_name": last,
        "budget_limit": float(rng.randrange(500, 10001, 250)) if rng.random() < 0.5 else None,
    }


# --- VehicleControlAPI -------------------------------------------------------------------------

DOORS = ["driver", "passenger", "rear_left", "rear_right"]
STREETS = ["Maple Ave", "Harbor Rd", "Elm St", "Sunset Blvd", "Ridge Way"]
CITIES = ["Rivermist", "Stonebrook", "Silverpine", "Oakendale", "San Francisco"]


def vehicle_control_api_state(rng: random.Random) -> dict:
    """Fuel, battery, doors, climate, lights, brakes, cruise and tyres, in consistent valid ranges.

    Keys are the ones ``_load_scenario`` reads (``engineState``, ``parkingBrakeForce``...).
    """
    running = rng.random() < 0.3
    doors = {d: "locked" if running or rng.random() < 0.5 else "unlocked" for d in DOORS}
    parking = "released" if running or rng.random() < 0.5 else "engaged"
    pedal_pressed = not running and rng.random() < 0.3
    destination = "None"
    if rng.random() < 0.4:
        destination = f"{rng.randint(10, 999)} {rng.choice(STREETS)}, {rng.choice(CITIES)}, CA"
    return {
        "random_seed": rng.randint(1000, 999999),
        "fuelLevel": round(rng.uniform(0.5 if running else 0.0, 50.0), 1),
        "batteryVoltage": round(rng.uniform(11.8, 14.0), 1),
        "engineState": "running" if running else "stopped",
        "remainingUnlockedDoors": sum(1 for s in doors.values() if s == "unlocked"),
        "doorStatus": doors,
        "acTemperature": float(rng.randint(16, 28)),
        "fanSpeed": rng.randrange(0, 101, 5),
        "acMode": rng.choice(["auto", "cool", "heat", "defrost"]),
        "humidityLevel": float(rng.randint(25, 75)),
        "headLightStatus": rng.choice(["on", "off"]),
        "parkingBrakeStatus": parking,
        "parkingBrakeForce": 500.0 if parking == "engaged" else 0.0,
        "slopeAngle": float(rng.randint(0, 12)) if parking == "engaged" else 0.0,
        "brakePedalStatus": "pressed" if pedal_pressed else "released",
        "brakePedalForce": float(rng.randrange(100, 1001, 100)) if pedal_pressed else 0.0,
        "distanceToNextVehicle": float(rng.randint(10, 120)),
        "cruiseStatus": "active" if running and rng.random() < 0.5 else "inactive",
        "destination": destination,
        "frontLeftTirePressure": round(rng.uniform(28.0, 37.0), 1),
        "frontRightTirePressure": round(rng.uniform(28.0, 37.0), 1),
        "rearLeftTirePressure": round(rng.uniform(27.0, 36.0), 1),
        "rearRightTirePressure": round(rng.uniform(27.0, 36.0), 1),
    }


# --- public API --------------------------------------------------------------------------------


def _sort_keys(value: Any) -> Any:
    """``value`` with every dict's keys in sorted order (lists keep their order)."""
    if isinstance(value, dict):
        return {k: _sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sort_keys(v) for v in value]
    return value


def _key_sorted(generator: Callable[[random.Random], dict]) -> Callable[[random.Random], dict]:
    @functools.wraps(generator)
    def wrapped(rng: random.Random) -> dict:
        return _sort_keys(generator(rng))

    return wrapped


_GENERATORS = {
    "GorillaFileSystem": gorilla_file_system_state,
    "MathAPI": math_api_state,
    "MessageAPI": message_api_state,
    "TwitterAPI": twitter_api_state,
    "TicketAPI": ticket_api_state,
    "TradingBot": trading_bot_state,
    "TravelAPI": travel_api_state,
    "VehicleControlAPI": vehicle_control_api_state,
}
STATE_GENERATORS: dict[str, Callable[[random.Random], dict]] = {
    name: _key_sorted(generator) for name, generator in _GENERATORS.items()
}


def generate_state(class_name: str, rng: random.Random) -> dict:
    """A fresh initial scenario for the BFCL class ``class_name``, drawn from ``rng``."""
    try:
        generator = STATE_GENERATORS[class_name]
    except KeyError:
        raise ValueError(
            f"no state generator for BFCL class {class_name!r}; known: {sorted(STATE_GENERATORS)}"
        ) from None
    return generator(rng)
