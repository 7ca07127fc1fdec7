"""Errors a user can act on: each renders as one line naming what went wrong and where."""


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
