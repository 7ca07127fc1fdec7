"""Synthesis step by step, without a graph store: the planner, back-and-forth translation,
distillation and negatives on hand-made paths over a small executable toolkit (the test fixture's
``Shop`` class, run in a real worker process) and a simulated one (an OpenAI tools file), with the
offline teacher and scripted variants of it (the same templates with one answer changed)."""

from __future__ import annotations

import json
import random

import pytest

from magnet_graph.catalogs import load_catalog
from magnet_graph.environments import Episode, initial_state
from magnet_graph.paths import Dependency, PathTurn, SignaturePath
from magnet_graph.records import Missing, ToolCall, ToolSpec, Turn
from magnet_graph.synthesis import offline_templates, prompts
from magnet_graph.synthesis.distill import DistillFailed, positive
from magnet_graph.synthesis.negatives import NegativeMaker
from magnet_graph.synthesis.offline_templates import TEMPLATES, forth
from magnet_graph.synthesis.planner import Executed, PlanOptions, plan_turn, prerequisite_map
from magnet_graph.synthesis.run import offered_tools
from magnet_graph.synthesis.translate import Translator, cut_reasons
from magnet_graph.teachers import OfflineTeacher

from .catalog_factory import pool_catalog
from .conftest import FIXTURES

SHOP = load_catalog("python:tests.fixtures.sample_tools:Shop")
BY_NAME = {s.name: s for s in SHOP}
FEEDS_ORDER = Dependency(0, "search_products", "product_ids", "place_order", "product_id", "partial")
FEEDS_TRACKING = Dependency(1, "place_order", "order_id", "track_order", "order_id", "full")


def teacher(**answers) -> OfflineTeacher:
    """The offline teacher, with the prompt versions in ``answers`` answered by those functions instead."""
    return OfflineTeacher({**TEMPLATES, **answers})


def order_path() -> SignaturePath:
    """search -> order (the product id from the search) -> track (the order id from the order)."""
    return SignaturePath(
        0,
        (
            PathTurn(0, ("search_products",), ("walk",)),
            PathTurn(1, ("place_order",), ("walk",), (FEEDS_ORDER,)),
            PathTurn(2, ("track_order",), ("walk",), (FEEDS_TRACKING,)),
        ),
    )


@pytest.fixture
def episode():
    with Episode(SHOP, initial_state(SHOP, 1), seed=1) as opened:
        yield opened


def translate(episode, path, the_teacher=None, seed=1):
    translator = Translator(the_teacher or teacher(), episode, BY_NAME)
    turns, cut = translator.translate(path, random.Random(seed))
    return turns, cut, translator.stats


# --- planner -------------------------------------------------------------------------------------


def test_planner_takes_values_from_earlier_outputs_and_leaves_the_state_alone(episode):
    executor = episode.reset()
    search = executor.execute({"name": "search_products", "arguments": {"query": "lamp"}})
    history = [Executed(0, "search_products", search.arguments, search.output)]
    before = episode.state_hash()
    planned = plan_turn(executor, BY_NAME, order_path().turns[1], ("place_order",), history, random.Random(3))
    assert episode.state_hash() == before  # every trial call was rolled back
    (call,) = planned
    assert call.arguments["product_id"] in search.output["product_ids"]
    assert call.refer["product_id"] == {"field": "product_ids", "same_turn": False, "source": "search_products"}
    assert call.say == {"quantity": call.arguments["quantity"]} and call.output == {"order_id": "o-1"}
    again = plan_turn(executor, BY_NAME, order_path().turns[1], ("place_order",), history, random.Random(3))
    assert [c.call for c in again] == [call.call]  # the same seed plans the same call


def test_planner_says_which_call_it_could_not_ground(episode):
    executor = episode.reset()  # no order exists: every order id it can think of is refused
    assert plan_turn(executor, BY_NAME, order_path().turns[2], ("track_order",), [], random.Random(0)) == (
        "plan_failed:track_order"
    )


def test_state_values_are_named_by_what_holds_them():
    from magnet_graph.execution.values import qualified_values, ranked_matches

    snapshot = {
        "TicketAPI": {
            "ticket_counter": 9,
            "ticket_queue": [{"id": 4, "status": "open"}, {"id": 7, "status": "x"}],
            "_private": {"id": 1},
        },
        "FS": {"root": {"__class__": "Directory", "contents": {"a.txt": {"__class__": "File", "name": "a.txt"}}}},
    }
    pairs = qualified_values(snapshot)
    assert ranked_matches("ticket_id", "integer", pairs)[:2] == [4, 7]  # {ticket, id} beats {ticket, counter}
    assert 1 not in ranked_matches("ticket_id", "integer", pairs)  # private attributes are not values
    assert ranked_matches("file_name", "string", pairs) == ["a.txt"]
    assert "status" not in [v for _, v in pairs]  # a record's field names are not values


# --- translation ---------------------------------------------------------------------------------


def test_translation_chains_real_outputs_turn_by_turn(episode):
    turns, cut, stats = translate(episode, order_path())
    assert cut == "" and [t.ops for t in turns] == [("walk",)] * 3
    search, order, track = (t.calls[0][0] for t in turns)
    assert order.arguments["product_id"] in turns[0].outputs[0][0]["product_ids"]
    assert track.arguments["order_id"] == turns[1].outputs[0][0]["order_id"]
    # values from earlier results are referred to, never repeated in the user's words
    assert "from earlier" in turns[1].user and order.arguments["product_id"] not in turns[1].user
    assert stats["calls_executed"] == 3
    for k, turn in enumerate(turns):  # each turn's state hash is the state its calls reach from the start
        episode.replay(c for t in turns[: k + 1] for c in t.reference_calls)
        assert episode.state_hash() == turn.state_hash
    assert len({t.state_hash for t in turns}) == 2  # searching and tracking change nothing; ordering does


def test_a_failed_call_is_repaired_once_and_then_the_path_is_cut(episode):
    def wrong_product(messages, always=False):
        """Orders a product that does not exist (only on the first try, unless ``always``)."""
        reply = json.loads(forth(messages))
        if always or "error" not in prompts.task_of(messages):
            for call in reply["tool_calls"]:
                if "product_id" in call["arguments"]:
                    call["arguments"]["product_id"] = "p-999"
        return json.dumps(reply)

    turns, cut, stats = translate(episode, order_path(), teacher(**{prompts.FORTH_VERSION: wrong_product}))
    assert cut == "" and stats["repairs"] == stats["repaired"] == 1 and len(turns) == 3
    assert turns[1].calls[0][0].arguments["product_id"] != "p-999"

    stubborn = teacher(**{prompts.FORTH_VERSION: lambda messages: wrong_product(messages, always=True)})
    turns, cut, stats = translate(episode, order_path(), stubborn)
    assert cut == "turn 1: execution_failed:place_order; turn 2: depends on turn 1" and [t.index for t in turns] == [0]
    assert stats["repairs"] == 1 and stats["repaired"] == 0


def test_a_cut_turn_takes_its_dependants_and_the_rest_of_the_conversation_goes_on(episode):
    """The order fails; tracking it depends on it and goes too; a later search that needs neither
    is kept, run from the state the kept turns left (the failed order placed nothing)."""

    def no_order(messages):
        reply = json.loads(forth(messages))
        for call in reply["tool_calls"]:
            if "product_id" in call["arguments"]:
                call["arguments"]["product_id"] = "p-999"
        return json.dumps(reply)

    path = SignaturePath(0, (*order_path().turns, PathTurn(3, ("search_products",), ("walk",))))
    turns, cut, _ = translate(episode, path, teacher(**{prompts.FORTH_VERSION: no_order}))
    assert [t.index for t in turns] == [0, 3]
    assert cut == "turn 1: execution_failed:place_order; turn 2: depends on turn 1"
    assert turns[1].state_hash == turns[0].state_hash  # searching changes nothing; the failed order was undone
    assert cut_reasons(cut) == ["execution_failed", "depends on a cut turn"]


def test_an_unreadable_reply_cuts_the_path_before_its_turn(episode):
    def garbled(messages):
        functions = prompts.task_of(messages)["functions"]
        return "no JSON here" if functions[0]["name"] == "track_order" else forth(messages)

    turns, cut, stats = translate(episode, order_path(), teacher(**{prompts.FORTH_VERSION: garbled}))
    assert cut == "turn 2: forth_unreadable" and [t.index for t in turns] == [0, 1] and stats["forth_unreadable"] == 1


def split_path() -> SignaturePath:
    """search; then a miss_param turn withholding the order's quantity; then the order, with the value."""
    return SignaturePath(
        0,
        (
            PathTurn(0, ("search_products",), ("walk",)),
            PathTurn(1, (), ("split",), (), Missing("miss_param", "place_order", "quantity")),
            PathTurn(2, ("place_order",), ("walk",), (FEEDS_ORDER,)),
        ),
    )


def test_a_split_turn_asks_and_the_next_turn_supplies_the_withheld_value(episode):
    turns, cut, _ = translate(episode, split_path())
    assert cut == "" and [t.reply for t in turns] == ["summary", "ask", "summary"]
    asked, supplied = turns[1], turns[2]
    quantity = supplied.calls[0][0].arguments["quantity"]
    assert asked.missing == Missing("miss_param", "place_order", "quantity") and asked.calls == ()
    assert asked.withheld_call.arguments["quantity"] == quantity
    assert "quantity" not in asked.user and f"quantity is {quantity}" in supplied.user
    assert asked.state_hash == turns[0].state_hash  # asking changes nothing


def test_offline_round_trip_needs_the_values_in_the_query():
    """The forth template reads values from the query text: a withheld value is not recovered."""
    function = {
        "name": "mv",
        "description": "Move a file. More text.",
        "parameters": {
            "type": "object",
            "properties": {"source": {"type": "string"}, "destination": {"type": "string"}},
            "required": ["source", "destination"],
        },
    }
    calls = [
        {
            "function": "mv",
            "description": function["description"],
            "say": {"source": "a.txt", "destination": "docs"},
            "refer": {},
            "nested": False,
        }
    ]

    def forth_of(withhold):
        back = prompts.prompt(
            prompts.BACK_INSTRUCTIONS, {"mode": "ask", "calls": calls, "withhold": withhold, "history": []}
        )
        query = json.loads(offline_templates.back(back))["query"]
        forth = prompts.prompt(
            prompts.FORTH_INSTRUCTIONS,
            {"messages": [query], "functions": [function], "earlier": [], "turn_outputs": [], "done": []},
        )
        return query, json.loads(offline_templates.forth(forth))["tool_calls"]

    query, got = forth_of(None)
    assert "mv" not in query.split() and got == [
        {"name": "mv", "arguments": {"source": "a.txt", "destination": "docs"}}
    ]
    query, got = forth_of({"function": "mv", "param": "destination"})
    assert "docs" not in query and got == [{"name": "mv", "arguments": {"source": "a.txt"}}]


def test_a_prompt_with_an_encoded_value_is_the_prompt_written_whole():
    """A value written once (``encode``) goes into the TASK block as the same text: teachers and
    their caches see the prompt they saw when it was written at every step."""
    tools = [
        {"type": "function", "function": {"name": "é", "description": "ß 'x' \"y\"", "parameters": {"b": 1, "a": []}}}
    ]
    task = {"zeta": {"y": 1, "x": [None, 1.5, "ü"]}, "tools": tools, "conversation": [], "a": "\u2028\n"}
    whole = prompts.prompt(prompts.ASSIST_INSTRUCTIONS, task)
    assert whole[1]["content"] == f"{prompts.TASK_MARKER}\n{json.dumps(task, ensure_ascii=False, sort_keys=True)}"
    assert prompts.prompt(prompts.ASSIST_INSTRUCTIONS, {**task, "tools": prompts.encode(tools)}) == whole
    assert prompts.prompt(prompts.ASSIST_INSTRUCTIONS, {})[1]["content"].endswith("\n{}")


# --- distillation --------------------------------------------------------------------------------


def distilled(episode, path, the_teacher=None):
    turns, cut, _ = translate(episode, path)
    assert cut == ""
    tools = [ToolSpec.of(s) for s in SHOP]
    return turns, tools, positive(the_teacher or teacher(), episode, turns, tools, BY_NAME)


def test_the_positive_replays_the_reference_and_keeps_no_hint(episode):
    turns, _, chosen = distilled(episode, order_path())
    roles = [m.role for m in chosen.messages]
    assert roles == ["user", "assistant", "tool", "assistant"] * 3
    assert [m.calls for m in chosen.messages if m.tool_calls] == [t.calls[0] for t in turns]
    outputs = [json.loads(m.content) for m in chosen.messages if m.role == "tool"]
    assert outputs == [t.outputs[0][0] for t in turns]
    text = json.dumps([m.to_dict() for m in chosen.messages])
    assert "hint" not in text and prompts.TASK_MARKER not in text
    assert chosen.positions[(1, 0)] == 5 and chosen.positions[(1, -1)] == 7
    assert episode.state_hash() == turns[-1].state_hash


def test_a_teacher_that_strays_from_the_hint_fails_distillation(episode):
    def other_call(messages):
        hint = prompts.task_of(messages)["hint"]
        if "tool_calls" in hint:
            return json.dumps({"tool_calls": [{"name": "view_history", "arguments": {}}]})
        return TEMPLATES[prompts.ASSIST_VERSION](messages)

    with pytest.raises(DistillFailed, match="teacher_disagrees"):
        distilled(episode, order_path(), teacher(**{prompts.ASSIST_VERSION: other_call}))

    def calls_instead_of_replying(messages):
        hint = prompts.task_of(messages)["hint"]
        return json.dumps({"tool_calls": hint.get("tool_calls") or [{"name": "view_history", "arguments": {}}]})

    with pytest.raises(DistillFailed, match="teacher_called_instead_of_replying"):
        distilled(episode, order_path(), teacher(**{prompts.ASSIST_VERSION: calls_instead_of_replying}))


# --- negatives -----------------------------------------------------------------------------------


def test_a_nested_call_gives_a_missing_nested_call_negative(episode):
    nested = SignaturePath(
        0,
        (
            PathTurn(
                0,
                ("search_products", "place_order"),
                ("walk", "insert"),
                (Dependency(0, "search_products", "product_ids", "place_order", "product_id", "partial"),),
            ),
        ),
    )
    turns, _, chosen = distilled(episode, nested)
    assert len(turns[0].calls) == 2  # the order needs the search's result: a second step
    (negative,) = NegativeMaker(chosen, turns, episode, BY_NAME).graph_negatives(random.Random(0))
    at = chosen.positions[(0, 1)]
    assert (negative.error_type, negative.source, negative.diverge_at, negative.turn) == (
        "missing_nested_call",
        "graph",
        at,
        0,
    )
    assert negative.messages[:at] == tuple(chosen.messages[:at])
    searched = turns[0].outputs[0][0]["product_ids"]
    assert negative.messages[at].content == f"There are {len(searched)} product ids ({', '.join(searched[:3])})."


def test_a_withheld_value_gives_a_guessed_missing_param_negative_that_really_ran(episode):
    turns, _, chosen = distilled(episode, split_path())
    negatives = NegativeMaker(chosen, turns, episode, BY_NAME).graph_negatives(random.Random(0))
    (guessed,) = [n for n in negatives if n.error_type == "guessed_missing_param"]
    wrong = guessed.messages[guessed.diverge_at]
    assert guessed.diverge_at == chosen.positions[(1, -1)] and wrong.calls[0].name == "place_order"
    assert wrong.calls[0].arguments["quantity"] != turns[1].withheld_call.arguments["quantity"]
    assert json.loads(guessed.messages[-1].content) == {"order_id": "o-1"}  # run after replaying the search


def test_without_a_phenomenon_one_changed_argument_that_changes_the_outcome(episode):
    turns, _, chosen = distilled(episode, order_path())
    (negative,) = NegativeMaker(chosen, turns, episode, BY_NAME).graph_negatives(random.Random(4))
    assert negative.error_type == "wrong_argument"
    at = negative.diverge_at
    chosen_output = chosen.messages[at + 1].content
    assert (
        negative.messages[at].calls != chosen.messages[at].calls and negative.messages[at + 1].content != chosen_output
    )


def test_a_student_mistake_is_judged_and_rewritten_by_the_teacher(episode):
    turns, tools, chosen = distilled(episode, order_path())
    student = OfflineTeacher({prompts.STUDENT_VERSION: lambda messages: json.dumps({"content": "I cannot help."})})
    negative = NegativeMaker(chosen, turns, episode, BY_NAME).student_negative(student, teacher(), tools)
    assert (negative.source, negative.error_type, negative.diverge_at) == ("student", "wrong_function", 1)
    assert negative.messages[1].content == "I cannot help."  # the teacher wrote the student's move


def test_stages_do_not_depend_on_each_others_order(episode):
    """Each stage starts from the episode's starting state: negatives first, then the positive again,
    gives the same conversation as the first positive."""
    turns, tools, first = distilled(episode, order_path())
    NegativeMaker(first, turns, episode, BY_NAME).graph_negatives(random.Random(4))
    again = positive(teacher(), episode, turns, tools, BY_NAME)
    assert again.messages == first.messages


def test_a_simulated_toolkit_translates_and_says_its_outputs_are_made_up():
    tools = load_catalog(str(FIXTURES / "openai_tools.json"))
    path = SignaturePath(
        0,
        (
            PathTurn(0, ("search_flights",), ("walk",)),
            PathTurn(
                1,
                ("book_flight",),
                ("walk",),
                (Dependency(0, "search_flights", "flight_ids", "book_flight", "flight_id", "partial"),),
            ),
        ),
    )
    with Episode(tools, {}, seed=2) as simulated:
        assert simulated.kind == "simulated"
        translator = Translator(teacher(), simulated, {s.name: s for s in tools})
        turns, cut = translator.translate(path, random.Random(2))
    assert cut == "" and len(turns) == 2
    flights = turns[0].outputs[0][0]
    assert flights["simulated"] is True and turns[1].calls[0][0].arguments["flight_id"] in flights["flight_ids"]


def test_the_role_check_catches_an_id_passed_as_a_name_and_lets_a_fitting_value_through():
    """The check behind report.json's role_mismatches (and the demo test over a whole run): an id an
    earlier call returned, passed as a person's name or as another entity's id, is counted."""
    from types import SimpleNamespace

    from magnet_graph.records import ToolCall, Turn
    from magnet_graph.synthesis.role_check import role_mismatches

    sigs = {s.name: s for s in load_catalog("bfcl") if s.name in ("get_user_id", "add_contact", "send_message")}
    looked_up = ToolCall("get_user_id", {"user": "Alice"})
    wrong = ToolCall("add_contact", {"user_name": "USR001"})
    right = ToolCall("send_message", {"receiver_id": "USR001", "message": "Hi Alice"})
    turns = (
        Turn(0, ("walk",), "Find Alice's id.", ((looked_up,),), (({"user_id": "USR001"},),)),
        Turn(1, ("walk",), "Add her, then write to her.", ((wrong, right),), (({}, {}),)),
    )
    found = role_mismatches([SimpleNamespace(id="r1", turns=turns)], sigs)
    assert [(m.source, m.target, m.value) for m in found] == [
        ("get_user_id.user_id", "add_contact.user_name", "USR001")
    ]


def test_a_call_that_needs_a_login_gets_the_login_planned_before_it(episode):
    """view_history fails until someone logs in: with the toolkit's prerequisites the planner puts
    the login first (marked as a prerequisite); without them the turn cannot be planned."""
    executor = episode.reset()
    turn = PathTurn(0, ("view_history",), ("walk",))
    assert plan_turn(executor, BY_NAME, turn, ("view_history",), [], random.Random(0)) == "plan_failed:view_history"
    before = episode.state_hash()
    prerequisites = prerequisite_map([], BY_NAME)
    assert prerequisites["view_history"] == ("login",)  # Shop's session opener
    planned = plan_turn(executor, BY_NAME, turn, ("view_history",), [], random.Random(0), PlanOptions(prerequisites))
    assert [(c.name, c.prerequisite) for c in planned] == [("login", True), ("view_history", False)]
    assert planned[1].output == {"order_count": 0} and episode.state_hash() == before  # planning left no trace

    path = SignaturePath(0, (turn,))
    translator = Translator(teacher(), episode, BY_NAME, PlanOptions(prerequisites))
    (done,), cut = translator.translate(path, random.Random(0))
    assert cut == "" and "prerequisite" in done.ops
    assert [c.name for step in done.calls for c in step] == ["login", "view_history"]


def test_structured_arguments_are_built_from_item_schemas_and_the_state():
    """A required list of records gets records, each field from the state (the user's saved
    passengers), never []; a record parameter gets its required fields; a list of listed members
    gets some of them or all of them."""
    from magnet_graph.execution.values import qualified_values
    from magnet_graph.synthesis.grounding import Grounding

    state = qualified_values(
        {
            "Airline": {
                "users": {
                    "mia_1": {"saved_passengers": [{"first_name": "Mia", "last_name": "Chen", "dob": "1990-04-01"}]}
                }
            }
        }
    )
    grounding = Grounding([], state, random.Random(0))
    passengers = {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "first_name": {"type": "string"},
                "last_name": {"type": "string"},
                "dob": {"type": "string"},
            },
            "required": ["first_name", "last_name", "dob"],
        },
    }
    options = [value for value, _ in grounding.options("passengers", passengers)]
    assert options and all(isinstance(v, list) and v for v in options)  # never an empty list
    first = options[0][0]
    assert set(first) == {"first_name", "last_name", "dob"} and first["first_name"] == "Mia"
    payment = {
        "type": "object",
        "properties": {"method": {"type": "string"}, "amount": {"type": "number"}},
        "required": ["method"],
    }
    (record, *_) = [value for value, _ in grounding.options("payment", payment)]
    assert set(record) >= {"method"} and isinstance(record["method"], str)
    doors = {"type": "array", "items": {"type": "string", "enum": ["driver", "passenger", "rear_left"]}}
    chosen = [value for value, _ in grounding.options("door", doors)]
    assert ["driver", "passenger", "rear_left"] in chosen and all(
        v and set(v) <= {"driver", "passenger", "rear_left"} for v in chosen
    )


def test_a_record_offers_the_tools_it_uses_and_seeded_distractors_up_to_the_limit():
    """A 200-tool toolkit: the record offers its path's functions, what its turns call and the
    function a turn withholds, then distractors from the rest, 40 in all, the same for a seed."""
    sigs = sorted(pool_catalog(200, seed=1, toolkit_size=200), key=lambda s: s.name)
    names = [s.name for s in sigs]
    path = SignaturePath(0, tuple(PathTurn(i, (names[i * 7],), ("walk",), ()) for i in range(3)))
    turns = [
        Turn(0, ("walk",), "u", calls=((ToolCall(names[0]), ToolCall(names[100])),)),
        Turn(1, ("walk",), "u", missing=Missing("miss_func", names[150])),
    ]
    offered, distractors = offered_tools(path, turns, sigs, 40, random.Random(9))
    chosen = [s.name for s in offered]
    assert len(chosen) == 40 and chosen == sorted(chosen)
    assert {names[0], names[7], names[14], names[100], names[150]} <= set(chosen)
    assert set(distractors) == set(chosen) - {names[0], names[7], names[14], names[100], names[150]}
    assert offered_tools(path, turns, sigs, 40, random.Random(9))[1] == distractors
    assert offered_tools(path, turns, sigs, 40, random.Random(10))[1] != distractors
    few, none = offered_tools(path, turns, sigs, 3, random.Random(9))
    assert len(few) == 5 and none == ()  # what the conversation uses is offered whatever the limit


def test_a_whole_listing_is_never_one_name_path_or_id():
    """An output's text that is a whole listing (a directory tree's JSON, as the MCP filesystem
    server answers) is not offered as the path to write (a made-up path is); a text parameter
    still takes the whole text."""
    import json

    from magnet_graph.synthesis.grounding import Grounding, Output

    tree = json.dumps(
        [{"name": "notes", "type": "directory", "children": [{"name": "a.txt", "type": "file"}]}], indent=2
    )
    outputs = [Output("directory_tree", {"text": tree}, False)]
    path = {"type": "string", "description": "Path of the file to write"}
    offered = Grounding(outputs, [], random.Random(0)).options("path", path, dependency=("directory_tree", "text"))
    values = [v for v, _ in offered]
    assert values and tree not in values
    content = {"type": "string", "description": "Text to write into the file"}
    texts = Grounding(outputs, [], random.Random(0)).options("content", content, dependency=("directory_tree", "text"))
    assert tree in [v for v, _ in texts]
