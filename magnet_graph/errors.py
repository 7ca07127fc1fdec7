"""Errors a user can act on: each renders as one line naming what went wrong and where."""

import os
import re


class MagnetGraphError(Exception):
    """Base for errors the CLI prints as one line (exit code 1, no traceback)."""


class CatalogError(MagnetGraphError):
    """A catalog entry that cannot be normalised safely; names file, function and field."""

    def __init__(self, source: str, function: str | None, field: str | None, reason: str):
        self.source, self.function, self.field, self.reason = source, function, field, reason
        where = [source]
        if function is not None:
            where.append(f"function {function!r}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"catalog rejected: {': '.join(where)}: {reason}")


class StoreError(MagnetGraphError):
    """The graph store cannot be reached, started or used as asked."""


class QueryError(MagnetGraphError):
    """A named Cypher query is missing or was called with the wrong parameters."""


# Error text is stored (dropped.jsonl, eval results) and printed; an endpoint that echoes its
# request puts the API key in it. These shapes, and the values of secret-named environment
# variables (whole or in pieces of 8+ characters), are replaced before any of it is kept.
_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.I)
_SECRET_SHAPES = [
    re.compile(r"(?i)(authorization|proxy-authorization)(\"?\s*[:=]\s*\"?)[^\"\n,}]+"),
    re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"(?i)\b(api[_-]?key|access[_-]?token|secret|password|x-api-key)(\"?'?\s*[:=]\s*\"?'?)[^\s\"',;}]+"),
    re.compile(r"()()\bsk-[A-Za-z0-9_-]{8,}"),
]
_TOKEN = re.compile(r"[A-Za-z0-9_\-.~+/=]{8,}")
REDACTED = "[redacted]"


def secret_values() -> list[str]:
    """Values of this process's environment variables whose names say they are secrets."""
    return sorted(
        (v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8 and v.lower() != "none"),
        key=len,
        reverse=True,
    )


def redact(text: str) -> str:
    """``text`` with API keys, bearer tokens, Authorization headers and secret environment values removed."""
    for secret in secret_values():
        text = text.replace(secret, REDACTED)
    for shape in _SECRET_SHAPES:
        text = shape.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    secrets = secret_values()
    if secrets:
        text = _TOKEN.sub(lambda m: REDACTED if any(m.group(0) in s for s in secrets) else m.group(0), text)
    return text


def without_secrets(env: dict[str, str]) -> dict[str, str]:
    """``env`` less the variables whose names say they hold secrets (for child processes that need none)."""
    return {k: v for k, v in env.items() if not _SECRET_NAME.search(k)}
