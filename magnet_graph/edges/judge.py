"""LLM-judge evidence, in the paper's shape: one source function, its candidate targets, one question.

For each function A with candidates (in its own toolkit and across toolkits), the teacher sees
A's signature and output fields (field paths, learned ones included) and up to
``max_candidates`` candidate functions (best-scored first), and answers with the (target,
source_field, target_param) triples where A's output really feeds the target. Listed candidates
gain judge evidence 1.0 and a score floor; unlisted ones evidence 0.0 and a penalty. Replies are
cached by the teacher; an unreadable reply leaves the candidates as they were (counted in ``failures``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass

from ..signature import FunctionSignature
from . import Candidate, EdgeConfig
from .ports import outputs

PROMPT_VERSION = "edge-judge-v1"
SYSTEM = (
    "You judge dependencies between API functions. An output field of the SOURCE function feeds a "
    "parameter of a CANDIDATE when, in a realistic conversation, the value returned by SOURCE (all of "
    "it, or one element or part of it) would be passed as that parameter. Reply with a JSON list only: "
    '[{"target": name, "source_field": field, "target_param": param}]. Reply [] if none.'
)


SHAPE_PROMPT_VERSION = "edge-shape-v1"
SHAPE_SYSTEM = (
    "You describe what an API function returns. From its name, description and parameters, list the "
    "fields of its result. Reply with a JSON object only: "
    '{"fields": [{"name": field, "type": "string"|"integer"|"number"|"boolean"|"array"|"object", '
    '"description": text}]}. Reply {"fields": []} if it returns nothing but a status.'
)
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})


@dataclass
class LLMJudge:
    teacher: object  # anything with .name and .chat(messages, prompt_version=...)
    config: EdgeConfig = EdgeConfig()
    max_candidates: int = 30
    failures: int = 0
    shapes: dict[str, dict] | None = None  # learned output schemas by function (see shapes.learn_shapes)

    def __call__(self, candidates: list[Candidate], signatures: list[FunctionSignature]) -> None:
        by_name = {s.name: s for s in signatures}
        by_source: dict[str, list[Candidate]] = defaultdict(list)
        for c in candidates:
            by_source[c.out.function].append(c)
        for source, group in sorted(by_source.items()):
            targets = []
            for c in sorted(group, key=lambda c: -c.score):
                if c.param.function not in targets:
                    targets.append(c.param.function)
            targets = targets[: self.max_candidates]
            verdicts = self._ask(by_name[source], [by_name[t] for t in targets])
            if verdicts is None:
                continue
            for c in group:
                if c.param.function not in targets:
                    continue
                yes = (c.param.function, c.out.path, c.param.path) in verdicts
                c.extra.append(
                    {
                        "kind": "llm_judge",
                        "score": 1.0 if yes else 0.0,
                        "model": self.teacher.name,
                        "prompt": PROMPT_VERSION,
                    }
                )
                c.score = max(c.score, self.config.judge_floor) if yes else c.score * self.config.judge_penalty

    def output_shape(self, sig: FunctionSignature) -> dict | None:
        """The fields the judge says ``sig`` returns, as an output schema marked ``x-evidence: judged``
        (for a tool with no output schema, nothing to run and no "Returns ..." sentence)."""
        user = json.dumps(
            {
                "name": sig.name,
                "description": sig.description,
                "parameters": sig.parameters.get("properties", {}),
            },
            ensure_ascii=False,
        )
        reply = self.teacher.chat(
            [{"role": "system", "content": SHAPE_SYSTEM}, {"role": "user", "content": user}],
            prompt_version=SHAPE_PROMPT_VERSION,
        )
        value = _first_json_value(reply or "")
        listed = value.get("fields") if isinstance(value, dict) else None
        if not isinstance(listed, list):
            self.failures += 1
            return None
        props = {}
        for f in listed:  # names become field paths and graph properties: identifiers only
            if isinstance(f, dict) and isinstance(f.get("name"), str) and _FIELD_NAME.match(f["name"]):
                kind = f.get("type") if f.get("type") in _TYPES else "string"
                description = f.get("description") if isinstance(f.get("description"), str) else ""
                props[f["name"]] = {"type": kind, "description": description[:300], "x-evidence": "judged"}
        return {"type": "object", "properties": props, "x-evidence": "judged"} if props else None

    def _ask(self, source: FunctionSignature, targets: list[FunctionSignature]) -> set[tuple[str, str, str]] | None:
        def brief(sig: FunctionSignature, with_output: bool) -> dict:
            item = {
                "name": sig.name,
                "description": sig.description,
                "parameters": {
                    k: {"type": v.get("type"), "description": v.get("description", "")}
                    for k, v in sig.parameters.get("properties", {}).items()
                },
            }
            if with_output:
                item["output_fields"] = {
                    p.path: {"type": p.type, "description": p.description}
                    for p in outputs(sig, (self.shapes or {}).get(sig.name))
                }
            return item

        user = json.dumps(
            {"SOURCE": brief(source, True), "CANDIDATES": [brief(t, False) for t in targets]}, ensure_ascii=False
        )
        reply = self.teacher.chat(
            [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}], prompt_version=PROMPT_VERSION
        )
        items = _first_json_value(reply or "")
        if isinstance(items, dict):  # a lone object instead of a list of one
            items = [items]
        if not isinstance(items, list):
            self.failures += 1
            return None
        keys = ("target", "source_field", "target_param")
        return {
            tuple(i[k] for k in keys)
            for i in items
            if isinstance(i, dict) and all(isinstance(i.get(k), str) for k in keys)
        }


def _first_json_value(text: str):
    """The first JSON list or object in ``text`` (models wrap answers in prose and code fences)."""
    decoder = json.JSONDecoder()
    for start in (i for i, ch in enumerate(text) if ch in "[{"):
        try:
            return decoder.raw_decode(text, start)[0]
        except json.JSONDecodeError:
            continue
    return None
