"""Teachers over real HTTP against the local stub server: retries, failures, batching, cache; offline; langchain."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel, ParrotFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from magnet_graph.edges.judge import PROMPT_VERSION as JUDGE_PROMPT
from magnet_graph.errors import MagnetGraphError
from magnet_graph.teachers import (
    ChatRequest,
    OfflineTeacher,
    OpenAICompatibleTeacher,
    Teacher,
    TeacherBatchError,
    TeacherTruncated,
    open_teacher,
)
from magnet_graph.teachers.langchain import LangChainTeacher, to_langchain_messages

from .openai_stub_server import ScriptedChatServer, chat_completion, delayed, scripted

HELLO = [{"role": "user", "content": "hello"}]
OK = (200, chat_completion("fine"))


@pytest.fixture
def serve():
    """``serve(reply)`` -> a running ScriptedChatServer, closed after the test."""
    servers = []

    def start(reply):
        servers.append(ScriptedChatServer(reply))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def teacher(server, cache_dir, **options) -> OpenAICompatibleTeacher:
    options = {"timeout": 5.0, "backoff": 0.01, **options}
    return OpenAICompatibleTeacher("stub-model", server.base_url, cache_dir, **options)


def echo(request):
    """200 with the user's text, upper-cased."""
    return 200, chat_completion(request["messages"][-1]["content"].upper())


def ask(i: int) -> ChatRequest:
    return ChatRequest([{"role": "user", "content": f"question {i} — réponse ✓"}], prompt_version="test-v1")


def test_every_teacher_is_a_teacher_and_open_teacher_knows_its_specs(tmp_path):
    assert isinstance(
        open_teacher("openai:m", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path), OpenAICompatibleTeacher
    )
    assert isinstance(open_teacher("offline"), OfflineTeacher)
    for each in (
        open_teacher("openai:m", cache_dir=tmp_path),
        open_teacher("offline"),
        LangChainTeacher(ParrotFakeChatModel(), cache_dir=tmp_path),
    ):
        assert isinstance(each, Teacher)
    for bad in ("openai", "openai:", "claude:x", "offline:x"):
        with pytest.raises(MagnetGraphError, match="unknown teacher"):
            open_teacher(bad)


def test_a_plain_reply_is_counted_and_sends_the_decoding_params(serve, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("MAGNET_GRAPH_API_KEY", "sk-magnet")
    server = serve(echo)
    t = teacher(server, tmp_path)
    assert t.chat(HELLO, prompt_version="p1", temperature=0.3, max_tokens=77) == "HELLO"
    sent = server.requests[0]
    assert (sent["model"], sent["messages"], sent["temperature"], sent["max_tokens"]) == ("stub-model", HELLO, 0.3, 77)
    assert server.headers[0]["authorization"] == "Bearer sk-magnet"
    assert (t.calls, t.cached, t.retries, t.failures, t.tokens) == (1, 0, 0, 0, {"prompt": 10, "completion": 5})


def test_a_pickled_copy_connects_anew_spends_its_own_and_its_spending_adds_up(serve, tmp_path, monkeypatch):
    """What ``synthesize --ray`` sends to a task: settings only; the key is read where the copy lands."""
    import pickle

    server = serve(echo)
    t = teacher(server, tmp_path / "cache")
    t.chat(HELLO, prompt_version="p1")
    monkeypatch.setenv("MAGNET_GRAPH_API_KEY", "sk-on-the-worker")
    blob = pickle.dumps(t)
    assert b"sk-on-the-worker" not in blob
    copy = pickle.loads(blob)
    assert (copy.calls, copy.tokens, copy.base_url, copy.max_retries) == (
        0,
        {"prompt": 0, "completion": 0},
        t.base_url,
        4,
    )
    assert copy.chat([{"role": "user", "content": "again"}], prompt_version="p1") == "AGAIN"
    assert copy.chat(HELLO, prompt_version="p1") == "HELLO"  # the cache directory travels with it
    assert server.headers[-1]["authorization"] == "Bearer sk-on-the-worker"
    t.add_usage(copy.usage())
    assert (t.calls, t.cached, t.tokens) == (2, 1, {"prompt": 20, "completion": 10})
    import magnet_graph

    offline = magnet_graph.open_teacher("offline")  # synthesis's templates: module functions, sent by name
    assert pickle.loads(pickle.dumps(offline)).templates == offline.templates != {}


def test_429_with_retry_after_waits_then_retries_once(serve, tmp_path):
    server = serve(scripted((429, {"error": {"message": "slow down"}}, {"Retry-After": "1"}), OK))
    t = teacher(server, tmp_path)
    started = time.monotonic()
    assert t.chat(HELLO, prompt_version="p1") == "fine"
    assert time.monotonic() - started >= 1.0
    assert len(server.requests) == 2 and server.arrivals[1] - server.arrivals[0] >= 1.0
    assert (t.calls, t.retries, t.failures) == (1, 1, 0)


def test_500_twice_then_200_counts_two_retries(serve, tmp_path):
    server = serve(scripted((500, "oops"), (502, {"error": {"message": "bad gateway"}}), OK))
    t = teacher(server, tmp_path)
    assert t.chat(HELLO, prompt_version="p1") == "fine"
    assert len(server.requests) == 3 and (t.calls, t.retries, t.failures) == (1, 2, 0)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(serve, tmp_path, status):
    server = serve(scripted((status, {"error": {"message": "no such thing"}}), OK))
    t = teacher(server, tmp_path)
    with pytest.raises(MagnetGraphError, match=rf"openai:stub-model .*rejected .*HTTP {status}.*no such thing"):
        t.chat(HELLO, prompt_version="p1")
    assert len(server.requests) == 1 and (t.calls, t.retries, t.failures) == (0, 0, 1)
    assert t.chat(HELLO, prompt_version="p1") == "fine"  # the failure was not cached


def test_timeouts_are_retried_a_bounded_number_of_times(serve, tmp_path):
    server = serve(delayed(2.0, OK))
    t = teacher(server, tmp_path, timeout=0.5, max_retries=2)
    started = time.monotonic()
    with pytest.raises(MagnetGraphError, match=r"openai:stub-model .*failed after 3 attempts: timed out after 0.5s"):
        t.chat(HELLO, prompt_version="p1")
    assert 1.5 <= time.monotonic() - started < 2.5
    assert len(server.requests) == 3 and (t.calls, t.retries, t.failures) == (0, 2, 1)


def test_the_wall_time_budget_stops_a_long_retry_after(serve, tmp_path):
    server = serve(scripted((503, "busy", {"Retry-After": "30"}), OK))
    t = teacher(server, tmp_path, budget=5.0)
    started = time.monotonic()
    with pytest.raises(MagnetGraphError, match=r"gave up: HTTP 503: busy; a retry in 30.0s would pass the 5s budget"):
        t.chat(HELLO, prompt_version="p1")
    assert time.monotonic() - started < 1.0 and len(server.requests) == 1


def test_connection_errors_are_retried_then_reported(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = OpenAICompatibleTeacher("stub-model", f"http://127.0.0.1:{port}/v1", tmp_path, backoff=0.01, max_retries=2)
    with pytest.raises(MagnetGraphError, match=r"failed after 3 attempts: connection failed"):
        t.chat(HELLO, prompt_version="p1")
    assert (t.calls, t.retries, t.failures) == (0, 2, 1)


def test_a_kept_alive_connection_the_server_dropped_is_opened_anew_without_a_retry(tmp_path):
    """An endpoint closes an idle keep-alive connection without saying so; the next request on it
    must go out again on a new connection, not count as a failed attempt."""
    body = json.dumps(chat_completion("fine")).encode()
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def answer_once_then_hang_up():
        for _ in range(2):
            conn, _ = listener.accept()
            accepted.append(conn)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            head, _, rest = request.partition(b"\r\n\r\n")
            length = int(
                next(
                    v for k, v in (h.split(b": ", 1) for h in head.split(b"\r\n")[1:]) if k.lower() == b"content-length"
                )
            )
            while len(rest) < length:
                rest += conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            conn.close()  # no "Connection: close": the client believes it may reuse the connection

    server = threading.Thread(target=answer_once_then_hang_up, daemon=True)
    server.start()
    t = OpenAICompatibleTeacher("stub-model", f"http://127.0.0.1:{listener.getsockname()[1]}/v1", None, backoff=5)
    started = time.monotonic()
    assert [t.chat([{"role": "user", "content": f"q{i}"}], prompt_version="p1") for i in range(2)] == ["fine", "fine"]
    assert (t.calls, t.retries, len(accepted)) == (2, 0, 2) and time.monotonic() - started < 2  # no 5 s backoff
    listener.close()


def test_the_proxy_the_environment_names_carries_the_request(serve, tmp_path, monkeypatch):
    proxy = serve(lambda request: OK)
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url.rsplit("/", 1)[0])
    t = OpenAICompatibleTeacher("stub-model", "http://teacher.invalid:9/v1", tmp_path, max_retries=0)
    assert t.chat(HELLO, prompt_version="p1") == "fine"  # teacher.invalid resolves nowhere: only the proxy answers
    assert proxy.headers[0]["host"] == "teacher.invalid:9"
    monkeypatch.setenv("NO_PROXY", "teacher.invalid")
    with pytest.raises(MagnetGraphError, match="connection failed"):
        OpenAICompatibleTeacher("stub-model", "http://teacher.invalid:9/v1", None, max_retries=0).chat(
            HELLO, prompt_version="p1"
        )


@pytest.mark.parametrize(
    "body, problem",
    [
        ("{not json", "malformed JSON body: {not json"),
        ('{"object": "chat.completion"}', "no choices"),
        ({"choices": []}, "no choices"),
        ({"choices": [{"message": {"content": {"a": 1}}}]}, "non-text content"),
    ],
)
def test_a_malformed_body_is_a_clear_error_not_a_crash(serve, tmp_path, body, problem):
    server = serve(scripted((200, body), OK))
    t = teacher(server, tmp_path)
    with pytest.raises(MagnetGraphError, match=f"openai:stub-model .*{problem}") as raised:
        t.chat(HELLO, prompt_version="p1")
    assert not isinstance(raised.value, TeacherTruncated)
    assert len(server.requests) == 1 and t.failures == 1
    assert t.chat(HELLO, prompt_version="p1") == "fine" and len(server.requests) == 2  # nothing cached


def test_a_truncated_reply_raises_teacher_truncated_and_is_not_cached(serve, tmp_path):
    server = serve(scripted((200, chat_completion('[{"target": "pla', finish_reason="length")), OK))
    t = teacher(server, tmp_path)
    with pytest.raises(TeacherTruncated, match=r"openai:stub-model stopped at max_tokens=16"):
        t.chat(HELLO, prompt_version="p1", max_tokens=16)
    assert (t.calls, t.failures, t.tokens["completion"]) == (1, 1, 5)  # the tokens were spent
    assert t.chat(HELLO, prompt_version="p1", max_tokens=16) == "fine" and len(server.requests) == 2


def test_chat_many_bounds_concurrency_and_keeps_input_order(serve, tmp_path):
    server = serve(lambda request: (time.sleep(0.05), echo(request))[1])
    t = teacher(server, tmp_path)
    answers = t.chat_many([ask(i) for i in range(20)], max_workers=4)
    assert answers == [f"QUESTION {i} — RÉPONSE ✓" for i in range(20)]
    assert 1 < server.max_in_flight <= 4 and len(server.requests) == 20 == t.calls


def test_a_second_run_is_served_from_the_cache_byte_for_byte(serve, tmp_path):
    server = serve(echo)
    first = teacher(server, tmp_path).chat_many([ask(i) for i in range(20)], max_workers=4)
    again = teacher(server, tmp_path)
    second = again.chat_many([ask(i) for i in range(20)], max_workers=4)
    assert [s.encode() for s in second] == [s.encode() for s in first]
    assert len(server.requests) == 20 and (again.calls, again.cached) == (0, 20)


def test_the_cache_key_holds_endpoint_model_messages_params_and_prompt_version(serve, tmp_path):
    server, other = serve(echo), serve(echo)
    teacher(server, tmp_path).chat(HELLO, prompt_version="p1")
    changed = [
        lambda: teacher(other, tmp_path).chat(HELLO, prompt_version="p1"),
        lambda: OpenAICompatibleTeacher("other-model", server.base_url, tmp_path).chat(HELLO, prompt_version="p1"),
        lambda: teacher(server, tmp_path).chat([{"role": "user", "content": "hi"}], prompt_version="p1"),
        lambda: teacher(server, tmp_path).chat(HELLO, prompt_version="p1", temperature=0.7),
        lambda: teacher(server, tmp_path).chat(HELLO, prompt_version="p1", max_tokens=5),
        lambda: teacher(server, tmp_path).chat(HELLO, prompt_version="p2"),
    ]
    for each in changed:
        each()
    assert len(server.requests) + len(other.requests) == 1 + len(changed)


def test_chat_many_drops_nothing_when_some_requests_fail(serve, tmp_path):
    def reply(request):
        n = int(request["messages"][-1]["content"].split()[1])
        return (400, {"error": {"message": f"bad {n}"}}) if n % 7 == 3 else echo(request)

    server = serve(reply)
    t = teacher(server, tmp_path)
    with pytest.raises(TeacherBatchError, match=r"3 of 20 teacher requests failed; first \(#3\): .*bad 3") as raised:
        t.chat_many([ask(i) for i in range(20)], max_workers=4)
    results, errors = raised.value.results, raised.value.errors
    assert sorted(errors) == [3, 10, 17] and all(isinstance(e, MagnetGraphError) for e in errors.values())
    assert all((results[i] is None) == (i in errors) for i in range(20))
    assert (t.calls, t.failures, len(server.requests)) == (17, 3, 20)
    assert (
        t.chat_many([ask(i) for i in range(20) if i not in errors], max_workers=4)
        == [r for r in results if r is not None]
        and t.cached == 17
    )


def test_offline_teacher_answers_known_prompts_without_a_network():
    offline = OfflineTeacher({"test-v1": lambda messages: f"{len(messages)} messages"})
    assert offline.name == "offline-template" and JUDGE_PROMPT == "edge-judge-v1"
    judge_messages = [{"role": "system", "content": "judge"}, {"role": "user", "content": '{"SOURCE": {}}'}]
    with pytest.raises(MagnetGraphError, match="no template for prompt version 'edge-judge-v1'; known: test-v1"):
        offline.chat(judge_messages, prompt_version=JUDGE_PROMPT)  # no opinion to give: not a silent "no"
    assert offline.chat_many([ask(0), ask(1)], max_workers=2) == ["1 messages", "1 messages"]
    with pytest.raises(MagnetGraphError, match=r"offline-template has no template for prompt version 'nope-v9'"):
        offline.chat(HELLO, prompt_version="nope-v9")
    assert (offline.calls, offline.cached, offline.failures, offline.tokens) == (
        2,
        0,
        2,
        {"prompt": 0, "completion": 0},
    )


@pytest.mark.slow
def test_offline_teacher_needs_no_import_to_know_synthesis_prompts():
    """``open_teacher("offline")`` of the public API answers synthesis prompts in a fresh process,
    whatever was imported before (no import-time registry)."""
    code = (
        "import magnet_graph as mg; from magnet_graph.synthesis import prompts; "
        "t = mg.open_teacher('offline'); "
        "task = {'mode': 'supply', 'supply': {'param': 'city', 'value': 'Oslo'}, 'history': []}; "
        "print(t.chat(prompts.prompt(prompts.BACK_INSTRUCTIONS, task), prompt_version=prompts.BACK_VERSION))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"query": 'Sorry, I left that out: city is "Oslo".'}


def test_langchain_messages_are_converted_by_role():
    converted = to_langchain_messages(
        [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "tool", "content": "42", "tool_call_id": "c1"},
        ]
    )
    assert [type(m) for m in converted] == [SystemMessage, HumanMessage, AIMessage, ToolMessage]
    assert [m.content for m in converted] == ["be brief", "hi", "hello", "42"]
    assert ParrotFakeChatModel().invoke(converted[:2]).content == "hi"


def test_langchain_teacher_caches_and_counts(tmp_path):
    replies = iter([AIMessage("réponse ✓", usage_metadata={"input_tokens": 7, "output_tokens": 3, "total_tokens": 10})])
    first = LangChainTeacher(GenericFakeChatModel(messages=replies), name="fake", cache_dir=tmp_path)
    text = first.chat(HELLO, prompt_version="p1")
    assert text == "réponse ✓" and (first.calls, first.tokens) == (1, {"prompt": 7, "completion": 3})
    again = LangChainTeacher(GenericFakeChatModel(messages=iter([])), name="fake", cache_dir=tmp_path)
    assert again.chat(HELLO, prompt_version="p1").encode() == text.encode() and (again.calls, again.cached) == (0, 1)
    with pytest.raises(MagnetGraphError, match="teacher fake failed"):  # the fake model has nothing left to say
        again.chat(HELLO, prompt_version="p2")
    assert again.failures == 1


def test_langchain_teacher_refuses_truncated_replies_and_batches_in_order(tmp_path):
    cut = AIMessage("[{", response_metadata={"finish_reason": "length"})
    t = LangChainTeacher(GenericFakeChatModel(messages=iter([cut, "whole"])), cache_dir=tmp_path)
    assert t.name == "langchain:generic-fake-chat-model"
    with pytest.raises(TeacherTruncated, match="stopped at max_tokens=8"):
        t.chat(HELLO, prompt_version="p1", max_tokens=8)
    assert t.chat(HELLO, prompt_version="p1", max_tokens=8) == "whole" and t.failures == 1
    parrot = LangChainTeacher(ParrotFakeChatModel(), cache_dir=tmp_path)
    assert parrot.chat_many([ask(i) for i in range(8)], max_workers=4) == [
        ask(i).messages[0]["content"] for i in range(8)
    ]
    assert json.loads(json.dumps(parrot.tokens)) == {"prompt": 0, "completion": 0}


def test_backend_bugs_are_one_counted_error_and_409_is_not_retried(tmp_path):
    offline = open_teacher("offline", templates={"broken-v1": lambda messages: 1 / 0})
    with pytest.raises(MagnetGraphError, match="ZeroDivisionError"):
        offline.chat(HELLO, prompt_version="broken-v1")
    assert offline.failures == 1
    server = ScriptedChatServer(lambda request: (409, {"error": {"message": "conflict"}}))
    try:
        teacher = open_teacher("openai:m", base_url=server.base_url, cache_dir=tmp_path)
        with pytest.raises(MagnetGraphError, match="rejected the request"):
            teacher.chat(HELLO, prompt_version="p-v1")
        assert len(server.requests) == 1
    finally:
        server.close()


def test_respond_offers_tools_and_returns_tool_calls_also_from_the_cache(serve, tmp_path):
    body = chat_completion("")
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "cd", "arguments": '{"folder": "docs"}'}},
        {"type": "function", "function": {"name": "ls", "arguments": {"a": True}}},
    ]  # no id, dict arguments
    server = serve(lambda request: (200, body))
    tools = [{"type": "function", "function": {"name": "cd", "parameters": {"type": "object", "properties": {}}}}]
    first = teacher(server, tmp_path).respond(HELLO, prompt_version="t-v1", tools=tools)
    assert server.requests[0]["tools"] == tools
    assert first["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "cd", "arguments": '{"folder": "docs"}'}},
        {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": '{"a": true}'}},
    ]
    again = teacher(server, tmp_path)
    assert again.respond(HELLO, prompt_version="t-v1", tools=tools) == first and again.cached == 1
    plain = serve(echo)  # plain chat keeps its old request (and cache key) shape
    teacher(plain, None).chat(HELLO, prompt_version="t-v1")
    assert "tools" not in plain.requests[0]


def test_malformed_tool_calls_are_one_clear_error(serve, tmp_path):
    body = chat_completion("")
    body["choices"][0]["message"]["tool_calls"] = [{"type": "function", "function": {"arguments": "{}"}}]
    server = serve(lambda request: (200, body))
    with pytest.raises(MagnetGraphError, match="malformed tool_calls"):
        teacher(server, tmp_path).respond(HELLO, prompt_version="t-v1", tools=[])
