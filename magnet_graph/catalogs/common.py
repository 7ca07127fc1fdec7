"""Shared steps of every catalog importer: build one validated signature, dedupe, assign names."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import CatalogError
from ..names import sanitize_name
from ..records import strict
from ..schema_normalize import SchemaProblem, clean_text, normalize_schema
from ..signature import FunctionSignature


def make_signature(
    *,
    source: str,
    original_name: Any,
    description: Any,
    parameters: Any,
    output: Any = None,
    output_description: Any = "",
    toolkit: str,
    category: str,
    execution: dict[str, Any],
    toolkit_description: str = "",
    position: int | None = None,
) -> FunctionSignature:
    """Normalise one catalog entry into a FunctionSignature, or raise CatalogError naming the field."""
    label = original_name if isinstance(original_name, str) and original_name.strip() else f"#{position}"
    if not isinstance(original_name, str) or not original_name.strip():
        raise CatalogError(source, label, "name", "missing or empty function name")
    original_name = clean_text(original_name)
    notes: list[str] = []
    for field_name, value in (("toolkit", toolkit), ("category", category)):
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(source, label, field_name, f"must be non-empty text, got {value!r}")
    try:
        description = _text(description, "description")
        if not description:
            description = original_name.replace("_", " ").replace("-", " ").strip().capitalize()
            notes.append("description: blank, derived from the name")
        params = normalize_schema(parameters, "parameters", notes, object_root=True)
        out = normalize_schema(output, "output", notes) if output is not None else None
        output_description = _text(output_description, "output_description")
    except SchemaProblem as exc:
        raise CatalogError(source, label, exc.field, exc.reason) from None
    # Python's json reads NaN and Infinity; no standard parser, trainer or checker does, and in a
    # schema (a default, a bound, an enum member) they mean nothing: left out, with a note each
    params, gone = strict.without_non_finite(params, "parameters")
    if out is not None:
        out, gone_out = strict.without_non_finite(out, "output")
        gone += gone_out
    notes.extend(f"{where}: NaN or Infinity left out (not a JSON number)" for where in gone)
    if out is not None and not output_description:
        output_description = out.get("description", "")
    name = sanitize_name(original_name)
    if name != original_name:
        notes.append(f"name: {original_name!r} sanitised to {name!r}")
    sig = FunctionSignature(
        name=name,
        original_name=original_name,
        description=description,
        toolkit_description=clean_text(toolkit_description),
        parameters=params,
        required=tuple(params["required"]),
        output=out,
        output_description=output_description,
        toolkit=toolkit,
        category=category,
        source=source,
        execution=execution,
        notes=tuple(notes),
    )
    try:
        sig.content_hash()  # everything must be JSON: reject here, not halfway through a store write
    except (TypeError, ValueError) as exc:
        raise CatalogError(source, label, "parameters", f"not JSON-serialisable: {exc}") from None
    return sig


def _text(value: Any, field: str) -> str:
    try:
        return clean_text(value)
    except SchemaProblem as exc:
        raise SchemaProblem(field, exc.reason) from None


def dedupe(signatures: list[FunctionSignature], source: str) -> list[FunctionSignature]:
    """Drop exact repeats of a function in one catalog; reject two different ones with one name."""
    seen: dict[tuple[str, str], FunctionSignature] = {}
    kept = []
    for sig in signatures:
        key = (sig.toolkit, sig.original_name)
        first = seen.get(key)
        if first is None:
            seen[key] = sig
            kept.append(sig)
        elif first.content_hash() != dataclasses.replace(sig, source=first.source).content_hash():
            also = f" (first defined in {first.source})" if first.source != sig.source else ""
            raise CatalogError(
                sig.source, sig.original_name, "name", f"duplicate name with a different definition{also}"
            )
    return kept
