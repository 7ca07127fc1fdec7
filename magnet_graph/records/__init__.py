"""Records: the typed trajectory record, its JSONL files, the trainer exports and shared figures.

The bottom of the data path: synthesis writes ``Record``s; training, evaluation and the explorer
read them back through this package (never through synthesis).
"""

from . import metrics, strict
from .codec import RecordError, Serializable
from .export import FILES as EXPORT_FILES
from .export import dpo_row, export_rows, is_simulated, mdpo_row, sft_row, sharegpt_row, write_exports
from .io import (
    DROPPED,
    ERRORS,
    TRAJECTORIES,
    JsonlAppender,
    atomic_write,
    check_row,
    iter_jsonl,
    read_drops,
    read_jsonl,
    read_records,
    read_typed,
    recover_jsonl,
    stop_on_signals,
    write_jsonl,
)
from .model import (
    SCHEMA_VERSION,
    ChatToolCall,
    Drop,
    Lineage,
    Message,
    Missing,
    Negative,
    Record,
    ToolCall,
    ToolSpec,
    Turn,
    canonical,
    divergence,
    same_calls,
    turn_numbers,
    user,
)

__all__ = [
    "DROPPED",
    "ERRORS",
    "EXPORT_FILES",
    "SCHEMA_VERSION",
    "TRAJECTORIES",
    "ChatToolCall",
    "Drop",
    "JsonlAppender",
    "Lineage",
    "Message",
    "Missing",
    "Negative",
    "Record",
    "RecordError",
    "Serializable",
    "ToolCall",
    "ToolSpec",
    "Turn",
    "atomic_write",
    "check_row",
    "metrics",
    "canonical",
    "divergence",
    "dpo_row",
    "export_rows",
    "is_simulated",
    "iter_jsonl",
    "mdpo_row",
    "read_drops",
    "read_jsonl",
    "read_records",
    "read_typed",
    "recover_jsonl",
    "same_calls",
    "sft_row",
    "sharegpt_row",
    "stop_on_signals",
    "strict",
    "turn_numbers",
    "user",
    "write_exports",
    "write_jsonl",
]
