"""A local OpenAI-compatible chat server for tests: real HTTP, scripted replies, request log."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = tuple[int, dict | str] | tuple[int, dict | str, dict[str, str]]


class ScriptedChatServer:
    """``reply(request_json) -> (status, body_dict_or_text[, headers])``; every request is kept in ``requests``.

    Also logged: each request's HTTP ``headers`` (lower-cased names) and arrival time (``arrivals``, monotonic), and
    ``max_in_flight``, the most requests it was answering at once (until each answer was ready). ``reply`` runs on the request's
    own thread, so it may sleep (to be slow, or to outlast a client's timeout).
    """

    def __init__(self, reply: Callable[[dict], Reply]):
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.arrivals: list[float] = []
        self.in_flight = self.max_in_flight = 0
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as hosted endpoints do: a client reuses its connections
            disable_nagle_algorithm = True  # else the body waits ~40 ms for the ACK of the headers

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server.arrivals.append(time.monotonic())
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, payload, *extra = reply(body)
                finally:  # before the answer goes out: a client that has it may send its next request at once
                    with lock:
                        server.in_flight -= 1
                try:
                    data = payload if isinstance(payload, str) else json.dumps(payload)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data.encode())))
                    for name, value in (extra[0] if extra else {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timed out) before the reply

            def log_message(self, *args):
                pass

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()  # quick close()

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # socketserver's 5 drops connects of 32 concurrent clients: 1 s SYN retries


def chat_completion(content: str, model: str = "scripted", finish_reason: str = "stop") -> dict:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def scripted(*steps: Reply | Callable[[dict], Reply]) -> Callable[[dict], Reply]:
    """A ``reply`` serving ``steps`` in order, one per request, repeating the last; a step may be a callable."""
    queue, lock = itertools.chain(steps, itertools.repeat(steps[-1])), threading.Lock()

    def reply(request: dict) -> Reply:
        with lock:
            step = next(queue)
        return step(request) if callable(step) else step

    return reply


def delayed(seconds: float, step: Reply) -> Callable[[dict], Reply]:
    """A step that answers ``step`` after ``seconds``."""

    def reply(request: dict) -> Reply:
        time.sleep(seconds)
        return step

    return reply


def offline_teacher_reply(request: dict) -> Reply:
    """An OpenAI-compatible endpoint answering with the offline templates, chosen by system prompt."""
    from magnet_graph.synthesis import offline_templates, prompts

    by_instructions = {
        prompts.BACK_INSTRUCTIONS: offline_templates.back,
        prompts.FORTH_INSTRUCTIONS: offline_templates.forth,
        prompts.ASSIST_INSTRUCTIONS: offline_templates.assistant,
        prompts.JUDGE_INSTRUCTIONS: offline_templates.judge,
    }
    template = by_instructions[request["messages"][0]["content"]]
    return 200, chat_completion(template(request["messages"]))
