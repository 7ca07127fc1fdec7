"""``offline``: a deterministic teacher with no network, answering from the templates it is given.

It answers the prompt versions in its ``templates`` (``fn(messages) -> str`` each) and refuses any
other with an error naming the ones it knows. Synthesis's templates come with
``magnet_graph.synthesis.offline_teacher()`` (and ``magnet_graph.open_teacher("offline")``).
Nothing is cached: the templates are the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import MagnetGraphError
from .base import BaseTeacher, Completion

Template = Callable[[list[dict[str, Any]]], str]


class OfflineTeacher(BaseTeacher):
    """Answers known prompt versions from their templates; no network, no cache, same text every time."""

    name = "offline-template"
    remote = False  # answers at once, on this process's CPU: nothing to overlap

    def __init__(self, templates: Mapping[str, Template]):
        super().__init__(cache_dir=None)
        self.templates = dict(templates)

    def _complete(self, messages: list[dict[str, Any]], params: dict[str, Any], prompt_version: str) -> Completion:
        template = self.templates.get(prompt_version)
        if template is None:
            raise MagnetGraphError(
                f"teacher {self.name} has no template for prompt version {prompt_version!r}; "
                f"known: {', '.join(sorted(self.templates)) or 'none'}"
            )
        return Completion(template(messages))


# No template for the edge judge on purpose: an offline "no" would penalise every candidate, and an
# offline teacher has no opinion to give.
