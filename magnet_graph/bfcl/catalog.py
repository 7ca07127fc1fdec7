"""BFCL multi-turn function docs, read from the pinned ``bfcl-eval`` package (never copied here)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..catalogs.common import dedupe, make_signature
from ..errors import CatalogError
from ..signature import FunctionSignature

BFCL_VERSION = "2026.3.23"
CORE_CLASSES = (
    "GorillaFileSystem",
    "MathAPI",
    "MessageAPI",
    "TwitterAPI",
    "TicketAPI",
    "TradingBot",
    "TravelAPI",
    "VehicleControlAPI",
)
CATEGORIES = {
    "GorillaFileSystem": "file_system",
    "MathAPI": "math",
    "MessageAPI": "messaging",
    "TwitterAPI": "social_media",
    "TicketAPI": "ticketing",
    "TradingBot": "finance",
    "TravelAPI": "travel",
    "VehicleControlAPI": "vehicle",
    "WebSearchAPI": "web_search",
    "MemoryAPI_kv": "memory",
    "MemoryAPI_vector": "memory",
    "MemoryAPI_rec_sum": "memory",
}
_DESCRIPTION_SPLIT = " Tool description: "
INSTALL_HINT = (
    f"pip install --no-deps bfcl-eval=={BFCL_VERSION} mpmath==1.3.0 tree_sitter==0.21.3 "
    "tree-sitter-java==0.21.0 tree-sitter-javascript==0.21.4 overrides==7.7.0 python-dotenv==1.2.1"
)


def load_bfcl(source: str) -> list[FunctionSignature]:
    """``bfcl`` loads the 8 core multi-turn classes, ``bfcl:ClassName`` one class."""
    config = _backend_config()
    mapping = config.MULTI_TURN_FUNC_DOC_FILE_MAPPING
    _, _, wanted = source.partition(":")
    classes = [wanted] if wanted else list(CORE_CLASSES)
    for cls in classes:
        if cls not in mapping:
            raise CatalogError(source, None, None, f"unknown BFCL class {cls!r}; known: {', '.join(sorted(mapping))}")
    sigs: list[FunctionSignature] = []
    for cls in classes:
        sigs.extend(_load_class(cls, _doc_dir() / mapping[cls], config.CLASS_FILE_PATH_MAPPING[cls]))
    return dedupe(sigs, source)


def function_docs(cls: str) -> list[dict]:
    """BFCL's own function docs for a class (what its test entries list under ``function``)."""
    path = _doc_dir() / _backend_config().MULTI_TURN_FUNC_DOC_FILE_MAPPING[cls]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _load_class(cls: str, doc_file: Path, module: str) -> list[FunctionSignature]:
    source = f"bfcl:{cls}"
    sigs = []
    for lineno, line in enumerate(doc_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        doc = json.loads(line)
        toolkit_text, _, tool_text = doc.get("description", "").partition(_DESCRIPTION_SPLIT)
        if not tool_text:  # no split marker: keep the whole text as the tool's description
            toolkit_text, tool_text = "", toolkit_text
        sigs.append(
            make_signature(
                source=source,
                original_name=doc.get("name"),
                description=tool_text,
                toolkit_description=toolkit_text,
                parameters=doc.get("parameters"),
                output=doc.get("response"),
                toolkit=cls,
                category=CATEGORIES.get(cls, cls.lower()),
                execution={"kind": "bfcl", "class": cls, "module": module, "method": doc.get("name")},
                position=lineno,
            )
        )
    return sigs


def _backend_config():
    try:
        from bfcl_eval.constants import executable_backend_config
    except ImportError:
        raise CatalogError("bfcl", None, None, f"bfcl-eval is not installed: {INSTALL_HINT}") from None
    return executable_backend_config


def _doc_dir() -> Path:
    spec = importlib.util.find_spec("bfcl_eval")
    return Path(spec.submodule_search_locations[0]) / "data" / "multi_turn_func_doc"
