"""A full disk while a run writes: one line naming the file, and how to go on."""

from __future__ import annotations

import pytest


def test_a_full_disk_is_one_line_naming_the_file():
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    from pathlib import Path

    from magnet_graph.errors import MagnetGraphError
    from magnet_graph.records import JsonlAppender

    with pytest.raises(MagnetGraphError) as caught:
        JsonlAppender().append(Path("/dev/full"), {"id": "x"})
    assert str(caught.value) == (
        "cannot write /dev/full: No space left on device; free some space and run again (a run resumes with --resume)"
    )
