"""The hostile corpus's shared parts: teacher replies, and the strict check of every file a run writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.openai_stub_server import Reply, chat_completion

CATALOGS = Path(__file__).parent / "catalogs"


def _echo_headers(key: str) -> Reply:
    """An endpoint that echoes the request's headers in its error body (seen in the wild)."""
    body = {"error": {"message": f"invalid model; your headers were {{'authorization': 'Bearer {key}'}}"}}
    return 400, body


def _echo_key_prefix(key: str) -> Reply:
    """An echo cut at 22 characters, as a log line or a truncated error might carry it."""
    return 404, {"error": {"message": f"no such deployment for key {key[:22]}"}}


def _lone_surrogate(key: str) -> Reply:
    return 200, chat_completion('{"query": "List the files\ud800 in my folder."}')


def _nan_arguments(key: str) -> Reply:
    reply = chat_completion("")
    reply["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": '{"a": NaN}'}}
    ]
    return 200, reply


def _not_json(key: str) -> Reply:
    return 200, "<html>502 Bad Gateway</html>"


def _no_choices(key: str) -> Reply:
    return 200, {"id": "x", "choices": []}


def _huge_number(key: str) -> Reply:
    return (
        200,
        '{"id": "x", "choices": [{"message": {"role": "assistant", "content": "1"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1e999}}',
    )


REPLIES: dict[str, Callable[[str], Reply]] = {
    "echo-headers": _echo_headers,
    "echo-key-prefix": _echo_key_prefix,
    "lone-surrogate": _lone_surrogate,
    "nan-tool-arguments": _nan_arguments,
    "not-json": _not_json,
    "no-choices": _no_choices,
    "infinite-usage": _huge_number,
}


def written_files(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        yield from (p for p in Path(folder).rglob("*") if p.is_file())


def _refuse(name: str):
    raise ValueError(f"{name} is not standard JSON")


def strict_parse(text: str, where: str) -> None:
    """Parse ``text`` as standard JSON (no NaN/Infinity, no lone surrogate in a string); nested JSON
    strings are parsed too."""
    try:
        value = json.loads(text, parse_constant=_refuse)
    except ValueError as exc:
        raise AssertionError(f"{where}: {exc}") from None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise AssertionError(f"{where}: a lone surrogate in {item[:60]!r}") from None
            if not (item[:1] in "{[" and item[-1:] in "}]"):
                continue
            try:
                stack.append(json.loads(item, parse_constant=_refuse))
            except ValueError as exc:
                if "standard JSON" in str(exc):
                    raise AssertionError(f"{where}: a nested JSON string: {exc}") from None


def check_strict_json(folder: Path) -> int:
    """Every .json and .jsonl file under ``folder`` parses as standard JSON; how many files."""
    n = 0
    for path in written_files(folder):
        if path.suffix == ".json":
            strict_parse(path.read_text(encoding="utf-8"), str(path))
        elif path.suffix == ".jsonl":
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    strict_parse(line, f"{path}:{number}")
        else:
            continue
        n += 1
    return n
