"""Models a benchmark scores (``eval bfcl``): any OpenAI-compatible endpoint, or a local transformers checkpoint."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from ..teachers.openai_compatible import OpenAICompatibleTeacher

TOOL_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)


class EndpointModel:
    """Native function calling on an OpenAI-compatible server (no response cache: every run asks)."""

    def __init__(self, model: str, base_url: str | None, max_tokens: int = 1024):
        self.name = f"openai:{model}"
        self.base_url = base_url
        self.max_tokens = max_tokens
        self._client = OpenAICompatibleTeacher(model, base_url=base_url, cache_dir=None)

    def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        return self._client.respond(messages, prompt_version="model-eval", tools=tools, max_tokens=self.max_tokens)


class LocalModel:
    """A transformers checkpoint: its chat template renders the tools; ``<tool_call>{json}</tool_call>``
    blocks in the output (the Qwen2.5 / Hermes convention) become tool calls. Greedy decoding."""

    def __init__(self, path: str, max_new_tokens: int = 1024, label: str | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.name = f"local:{label or path}"
        self.max_tokens = max_new_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device).eval()

    def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        inputs = self.tokenizer.apply_chat_template(
            dict_arguments(messages), tools=tools, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.model.device)
        with torch.no_grad():
            output = self.model.generate(
                **inputs,
                max_new_tokens=self.max_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        text = self.tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
        return parse_tool_calls(text)


def dict_arguments(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of wire-format messages whose tool-call arguments are objects (chat templates expect
    them so; the OpenAI wire format has JSON strings)."""
    out = copy.deepcopy(messages)
    for m in out:
        for call in m.get("tool_calls") or []:
            args = call["function"]["arguments"]
            call["function"]["arguments"] = json.loads(args) if isinstance(args, str) else args
    return out


def parse_tool_calls(text: str) -> dict[str, Any]:
    """An assistant message from generated text: each well-formed ``<tool_call>`` block is a call."""
    calls = []
    for i, block in enumerate(TOOL_CALL.findall(text)):
        try:
            call = json.loads(block)
        except json.JSONDecodeError:
            continue
        if isinstance(call, dict) and isinstance(call.get("name"), str):
            calls.append(
                {
                    "id": f"call_{i}",
                    "type": "function",
                    "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments") or {})},
                }
            )
    message: dict[str, Any] = {"role": "assistant", "content": TOOL_CALL.sub("", text).strip()}
    if calls:
        message["tool_calls"] = calls
    return message
