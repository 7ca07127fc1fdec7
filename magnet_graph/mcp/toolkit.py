"""``McpToolkit``: live MCP servers as one conversation's tools (used inside a worker process).

Each ``reset`` starts every server afresh. A sandboxed server (``servers.ServerSpec.sandboxed``)
gets its own directory, named by the conversation's state (so a replay from the same state runs in
the same place and says the same paths), filled with the state's files; its snapshot, checkpoints
and state hash are that directory's files. When another environment holds that directory (GRPO's
rollouts of one task run at once from one state), the server runs in a fresh directory beside it,
and the paths in its calls and answers are translated, so it says the same paths all the same. Any other server's state is the transcript of the
calls made to it: a rollback restarts it and replays the calls up to the checkpoint.

A call that hangs or kills its server costs that call: the server is restarted (and the
transcript replayed) before the next one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from ..signature import FunctionSignature
from .client import McpClient, McpError
from .servers import SANDBOX_ROOT, ServerSpec

KIND = "mcp"


class McpToolkit:
    """The servers behind ``signatures`` (execution kind ``mcp``), one live session each."""

    def __init__(
        self,
        signatures: list[FunctionSignature],
        *,
        call_timeout: float = 30.0,
        log_path: str | None = None,
    ):
        self.signatures = {s.name: s for s in signatures}
        self.specs = {}
        for sig in signatures:
            spec = ServerSpec.from_dict(sig.execution["server"])
            self.specs.setdefault(spec.name, spec)
        self.call_timeout = call_timeout
        self._log: IO[str] | None = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
        self.clients: dict[str, McpClient] = {}
        self.boxes: dict[str, Path] = {}
        self.named: dict[str, Path] = {}  # the directory each box stands for (the state's name)
        self.transcripts: dict[str, list[list[Any]]] = {}
        self._saved: list[dict[str, Any]] = []

    # -- the toolkit interface (environments.worker) --------------------------------------------

    def reset(self, state: dict[str, Any] | None, **options: Any) -> None:
        """Every server restarted on its part of ``state`` (see ``initial_state``)."""
        self.close()
        self._saved = []
        for name, spec in sorted(self.specs.items()):
            part = (state or {}).get(name) or {}
            if spec.sandboxed:
                named = SANDBOX_ROOT / str(part.get("sandbox") or f"{name}-default") / name
                box = _claim(named)
                _write_files(box, part.get("files", {}))
                self.boxes[name], self.named[name] = box, named
            self.transcripts[name] = []
            self._start(name)

    def invoke(self, name: str, arguments: dict[str, Any]) -> Any:
        """The tool's structured output (or text); its error is raised as the tool's failure."""
        sig = self.signatures[name]
        server = sig.execution["server"]["name"]
        if server not in self.clients:  # the last call hung or crashed it: back to where it was
            self._restart(server)
        try:
            sent = self._paths(server, arguments, to_box=True)
            ok, output = self.clients[server].call(sig.execution["tool"], sent, self.call_timeout)
        except McpError:
            self.clients.pop(server).close()
            raise
        output = self._paths(server, output, to_box=False)
        if not ok:
            raise ToolError(output)
        self.transcripts[server].append([sig.execution["tool"], arguments])  # what a restart replays
        return output

    def snapshot(self) -> dict[str, Any]:
        """Per server: its sandbox's files, or the calls it was given. For the planner to draw
        values from, a sandbox's snapshot also lists its file and directory paths and the records
        of its JSON and JSONL files (JSONL records with a ``type`` grouped by it: ``entity``)."""
        out = {}
        for name in sorted(self.specs):
            if name not in self.boxes:
                out[name] = {"calls": self.transcripts[name]}
                continue
            files = _read_files(self.boxes[name])
            dirs = {str(d) for rel in files for d in Path(rel.rstrip("/")).parents if str(d) != "."}
            dirs |= {rel.rstrip("/") for rel in files if rel.endswith("/")}
            view: dict[str, Any] = {
                "files": files,
                "file_paths": [rel for rel, v in files.items() if not rel.endswith("/")],
                # the sandbox's root is a directory too, even when it is empty
                "directory_paths": [".", *sorted(dirs)],
            }
            for rel, text in files.items():
                view.update(_records(Path(rel).stem, text))
            out[name] = view
        return out

    def checkpoint(self) -> None:
        self._saved.append(
            {
                "files": {name: _read_bytes(box) for name, box in self.boxes.items()},
                "calls": {name: len(t) for name, t in self.transcripts.items()},
            }
        )

    def rollback(self) -> None:
        saved = self._saved.pop()
        for name, files in saved["files"].items():
            _restore(self.boxes[name], files)
        for name, count in saved["calls"].items():
            if len(self.transcripts[name]) != count:
                self.transcripts[name] = self.transcripts[name][:count]
                if name not in self.boxes:  # state lives in the server: rebuild it by replaying
                    self._restart(name)

    def release(self) -> None:
        self._saved.pop()

    def process_groups(self) -> list[int]:
        """The servers' process groups, for a parent that must kill them with the worker."""
        return [c.pid for c in self.clients.values() if c.pid]

    def close(self) -> None:
        """Stop the servers and remove their sandboxes."""
        for client in self.clients.values():
            client.close()
        self.clients = {}
        for box in self.boxes.values():
            shutil.rmtree(box.parent, ignore_errors=True)
        self.boxes, self.named = {}, {}

    # -- servers ---------------------------------------------------------------------------------

    def _start(self, name: str) -> None:
        spec = self.specs[name]
        if name in self.boxes:
            spec = spec.in_sandbox(self.boxes[name])
        self.clients[name] = McpClient(spec, errlog=self._log)

    def _paths(self, server: str, value: Any, *, to_box: bool) -> Any:
        """``value`` with the named directory's path put for the box's (``to_box``) or back."""
        box, named = self.boxes.get(server), self.named.get(server)
        if box is None or box == named:
            return value
        old, new = (named, box) if to_box else (box, named)
        text = json.dumps(value, ensure_ascii=False)
        return json.loads(text.replace(json.dumps(str(old))[1:-1], json.dumps(str(new))[1:-1]))

    def _restart(self, name: str) -> None:
        """A fresh process on the current sandbox; a transcript server gets its calls replayed."""
        if name in self.clients:
            self.clients.pop(name).close()
        self._start(name)
        if name not in self.boxes:
            for tool, arguments in self.transcripts[name]:
                self.clients[name].call(tool, arguments, self.call_timeout)


def _claim(named: Path) -> Path:
    """``named`` if no other environment holds it (its parent is made here, atomically), else a fresh
    directory beside it."""
    SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
    try:
        named.parent.mkdir()
        return named
    except FileExistsError:
        return Path(tempfile.mkdtemp(prefix=f"{named.parent.name}-", dir=SANDBOX_ROOT)) / named.name


class ToolError(Exception):
    """What the server said when its tool failed (``isError``)."""


def initial_state(spec: ServerSpec, rng: random.Random) -> dict[str, Any] | None:
    """A conversation's starting state for one server: for a sandboxed one, a directory name drawn
    from ``rng`` (so replays from this state reuse it) and the seed directory's files."""
    if not spec.sandboxed:
        return None
    return {
        "sandbox": f"{spec.name}-{rng.getrandbits(64):016x}",
        "files": _read_files(Path(spec.seed)) if spec.seed else {},
    }


def _records(stem: str, text: Any) -> dict[str, Any]:
    """A JSON file's value under its stem; a JSONL file's records under its stem, or grouped by
    their ``type`` where every record has one. Nothing for other files."""
    if not isinstance(text, str) or text.strip()[:1] not in ("{", "["):
        return {}
    try:
        return {stem: json.loads(text)}
    except ValueError:
        pass
    try:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        return {}
    if rows and all(isinstance(r, dict) and isinstance(r.get("type"), str) for r in rows):
        grouped: dict[str, list] = {}
        for row in rows:
            grouped.setdefault(row["type"], []).append({k: v for k, v in row.items() if k != "type"})
        return grouped
    return {stem: rows}


def _read_bytes(root: Path) -> dict[str, bytes | None]:
    """``{relative path: bytes}``, and ``{"dir/": None}`` for a directory with nothing in it."""
    if not root.is_dir():
        return {}
    out: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
        elif p.is_dir() and not any(p.iterdir()):
            out[f"{p.relative_to(root)}/"] = None
    return out


def _read_files(root: Path) -> dict[str, Any]:
    """``{relative path: text}``; a file that is not UTF-8 text is ``{"base64": ...}``."""
    out = {}
    for rel, data in _read_bytes(root).items():
        if data is None:
            out[rel] = None
            continue
        try:
            out[rel] = data.decode("utf-8")
        except UnicodeDecodeError:
            out[rel] = {"base64": base64.b64encode(data).decode(), "sha256": hashlib.sha256(data).hexdigest()}
    return out


def _write_files(root: Path, files: dict[str, Any]) -> None:
    """``root`` emptied and given ``files`` (as ``_read_files`` gives them)."""
    _restore(
        root,
        {
            rel: None if v is None else base64.b64decode(v["base64"]) if isinstance(v, dict) else v.encode("utf-8")
            for rel, v in files.items()
        },
    )


def _restore(root: Path, files: dict[str, bytes | None]) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for rel, data in files.items():
        target = (root / rel).resolve()
        if not target.is_relative_to(root.resolve()):
            raise ValueError(f"state file {rel!r} is outside the sandbox")
        if data is None:
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
