"""A tiny Qwen2-shaped model and byte-level BPE tokenizer built locally (no hub), for smoke runs and tests.

The tokenizer learns its merges from the given texts (a run's conversations fit best) and carries
Qwen2.5's chat template as trl ships it, so tool calls render and parse exactly as for Qwen2.5-Coder
(SFT and mDPO switch to trl's training variant of it, GRPO parses tool calls with it); the model
has random weights of the Qwen2 architecture (~1M parameters by default).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable
from pathlib import Path

from ..records import EXPORT_FILES

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def qwen_chat_template() -> str:
    """Qwen2.5's chat template, as shipped inside trl (which knows its training variant and tool-call format)."""
    root = Path(importlib.util.find_spec("trl").submodule_search_locations[0])
    return (root / "chat_templates" / "qwen2_5.jinja").read_text(encoding="utf-8")


def corpus_from_run(run_dir: str | Path) -> list[str]:
    """Texts to learn merges from: the run's SFT rows as JSON, one string each."""
    path = Path(run_dir) / EXPORT_FILES["sft"]
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_tiny_tokenizer(corpus: Iterable[str], vocab_size: int = 2048):
    """A byte-level BPE tokenizer learned from ``corpus``, with Qwen's special tokens and chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    texts = list(corpus) or [json.dumps({"role": "user", "content": "hello"})]
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tokenizer.chat_template = qwen_chat_template()
    return tokenizer


def build_tiny_model(
    out_dir: str | Path,
    corpus: Iterable[str],
    seed: int = 0,
    vocab_size: int = 2048,
    hidden_size: int = 128,
    layers: int = 4,
    heads: int = 4,
    kv_heads: int = 2,
) -> Path:
    """Write a tokenizer and a randomly initialised ``Qwen2ForCausalLM`` to ``out_dir``; returns it."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = build_tiny_tokenizer(corpus, vocab_size)
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out
