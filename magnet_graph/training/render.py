"""Conversations to token ids, with the mask and the assistant-turn index of every token.

One rendering serves SFT and mDPO: ``input_ids``, ``assistant_masks`` (1 on tokens the model writes,
from the chat template's ``{% generation %}`` markers) and ``turn_ids`` (the assistant message a token
belongs to, counted from 0; -1 on every other token).
"""

from __future__ import annotations

from typing import Any

from ..errors import MagnetGraphError


def training_chat_template(tokenizer) -> str:
    """The tokenizer's template if it marks generations, else trl's training variant of it."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = tokenizer.chat_template
    if template and has_generation_markers(template):
        return template
    patched = get_training_chat_template(tokenizer) if template else None
    if not patched:
        raise MagnetGraphError(
            f"tokenizer {getattr(tokenizer, 'name_or_path', '')!r}: its chat template has no "
            "{% generation %} markers and trl has no training variant of it; "
            "set one with a {% generation %} block around assistant output"
        )
    return patched


def render(
    tokenizer,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    chat_template: str,
    max_length: int | None = None,
) -> dict[str, list[int]]:
    """Token ids, assistant mask and assistant-turn ids of one conversation (kept from the start when too long)."""
    out = tokenizer.apply_chat_template(
        messages,
        tools=tools or None,
        chat_template=chat_template,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
    turn_ids, turn, inside = [], -1, False
    for keep in mask:
        if keep and not inside:
            turn += 1
        inside = bool(keep)
        turn_ids.append(turn if keep else -1)
    expected = sum(1 for m in messages if m["role"] == "assistant")
    if turn + 1 != expected:
        raise MagnetGraphError(
            f"chat template: {expected} assistant messages rendered as {turn + 1} generation spans; "
            "each assistant message needs its own {% generation %} block"
        )
    if max_length is not None:
        ids, mask, turn_ids = ids[:max_length], mask[:max_length], turn_ids[:max_length]
    return {"input_ids": ids, "assistant_masks": mask, "turn_ids": turn_ids}


def shared_turns(chosen: dict[str, list[int]], rejected: dict[str, list[int]]) -> int:
    """Assistant turns that chosen and rejected share token for token, context included (they cancel in mDPO)."""
    a, b = chosen["input_ids"], rejected["input_ids"]
    common = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    turns = chosen["turn_ids"]
    # a turn is shared when it ends inside the common prefix, i.e. its last token is before `common`
    ends = {t: i for i, t in enumerate(turns) if t >= 0}
    return sum(1 for t, last in ends.items() if last < common and rejected["turn_ids"][last] == t)
