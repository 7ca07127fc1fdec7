"""A toolkit module that runs out of memory as it is imported (a table of 2**60 slots)."""

_TABLE = [None] * (2**60)  # MemoryError at once: Python refuses the allocation before touching memory


class Greedy:
    """Never reached."""

    def lookup(self, key: str) -> dict:
        """Look up a key."""
        return {"key": key}
