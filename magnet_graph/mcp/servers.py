"""MCP server specs: what to start (or where to connect) and how each conversation gets its own state.

Sources, as ``magnet-graph load`` takes them:

- ``mcp:stdio:COMMAND ARGS...`` — a server started over stdio (``mcp:stdio:'npx -y @modelcontextprotocol/server-memory'``);
- ``mcp:http://HOST:PORT/mcp`` — a streamable-HTTP server already running;
- ``mcp:FILE.json`` — an ``mcpServers`` config as desktop clients write it, each server its own toolkit.

Isolation: ``{sandbox}`` in a server's arguments, environment or working directory is replaced by a
fresh directory per conversation, which is then the server's state (snapshots, checkpoints and the
state hash read it). The official filesystem and memory servers get theirs without asking (see
``RECIPES``). A config entry may name a ``sandbox`` directory whose files every conversation starts
from. Other servers get a fresh process per conversation and their state is their transcript.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import CatalogError

PLACEHOLDER = "{sandbox}"
SANDBOX_ROOT = Path(os.environ.get("MAGNET_GRAPH_MCP_ROOT", "/tmp/magnet-graph-mcp"))


@dataclass(frozen=True)
class ServerSpec:
    """One MCP server: a stdio command or an HTTP url, and the seed directory its sandbox starts from.
    ``name`` is the config's key, or (``""`` until loaded) the name the server gives itself."""

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    seed: str | None = None  # files every conversation's sandbox starts with

    @property
    def sandboxed(self) -> bool:
        """Whether the server keeps its state in a per-conversation directory."""
        return PLACEHOLDER in json.dumps([self.args, self.env, self.cwd])

    def in_sandbox(self, path: Path) -> ServerSpec:
        """This spec with ``{sandbox}`` replaced by ``path``; a sandboxed server runs in it."""
        put = lambda text: text.replace(PLACEHOLDER, str(path))  # noqa: E731
        return replace(
            self,
            args=tuple(put(a) for a in self.args),
            env={k: put(v) for k, v in self.env.items()},
            cwd=put(self.cwd) if self.cwd else (str(path) if self.sandboxed else None),
        )

    def to_dict(self) -> dict[str, Any]:
        """The spec as a signature's ``execution["server"]`` (JSON, stored in the graph)."""
        out = {"name": self.name, "command": self.command, "args": list(self.args), "env": dict(self.env)}
        out.update({k: v for k, v in (("cwd", self.cwd), ("url", self.url), ("seed", self.seed)) if v})
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerSpec:
        return cls(
            name=data["name"],
            command=data.get("command", ""),
            args=tuple(data.get("args", ())),
            env=dict(data.get("env", {})),
            cwd=data.get("cwd"),
            url=data.get("url", ""),
            seed=data.get("seed"),
        )


# The official servers' own ways to keep state out of shared places, applied where a spec names none.
RECIPES: dict[str, dict[str, Any]] = {
    "server-memory": {"env": {"MEMORY_FILE_PATH": f"{PLACEHOLDER}/memory.jsonl"}},
    "server-filesystem": {"args": [PLACEHOLDER]},
}


def with_recipe(spec: ServerSpec) -> ServerSpec:
    """``spec`` with its official server's isolation recipe, unless it already says where its state
    goes; a command given as a relative path is made absolute (a sandboxed server runs elsewhere)."""
    if "/" in spec.command and not Path(spec.command).is_absolute():
        spec = replace(spec, command=str(Path(spec.command).absolute()))
    if spec.url or spec.sandboxed:
        return spec
    words = [spec.command, *spec.args]
    recipe = next((r for key, r in RECIPES.items() if any(re.search(rf"{key}(@[\w.^~-]+)?$", w) for w in words)), None)
    if recipe is None:
        return spec
    if recipe.get("args") and any(not a.startswith("-") and Path(a).is_absolute() for a in spec.args):
        return spec  # a filesystem server given directories of its own: not ours to replace
    return replace(spec, args=(*spec.args, *recipe.get("args", ())), env={**recipe.get("env", {}), **spec.env})


def is_mcp_source(source: str) -> bool:
    return source.startswith("mcp:")


def parse_source(source: str) -> list[ServerSpec]:
    """The servers an ``mcp:`` source names (see the module's docstring); a CatalogError says what is wrong."""
    rest = source[len("mcp:") :]
    if rest.startswith("stdio:"):
        try:
            words = shlex.split(rest[len("stdio:") :])
        except ValueError as exc:
            raise CatalogError(source, None, None, f"cannot split the command: {exc}") from None
        if not words:
            raise CatalogError(source, None, None, "no command after mcp:stdio:")
        return [with_recipe(ServerSpec(name="", command=words[0], args=tuple(words[1:])))]
    if rest.startswith(("http://", "https://")):
        return [ServerSpec(name="", url=rest)]
    return _from_config(source, Path(rest))


def _from_config(source: str, path: Path) -> list[ServerSpec]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(
            source, None, None, "no such file; expected mcp:stdio:COMMAND, mcp:http(s)://URL or mcp:FILE.json"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(source, None, None, f"cannot read the mcpServers config: {exc}") from None
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict) or not servers:
        raise CatalogError(source, None, "mcpServers", 'expected {"mcpServers": {NAME: {...}, ...}}')
    problems, specs = [], []
    for name, entry in servers.items():
        where = f"mcpServers.{name}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object")
            continue
        url, command = entry.get("url") or entry.get("serverUrl") or "", entry.get("command") or ""
        if bool(url) == bool(command):
            problems.append(f"{where}: give exactly one of command (stdio) or url (streamable HTTP)")
            continue
        args, env = entry.get("args", []), entry.get("env", {})
        if not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
            problems.append(f"{where}.args: must be a list of strings")
            continue
        if not (isinstance(env, dict) and all(isinstance(v, str) for v in env.values())):
            problems.append(f"{where}.env: must map names to strings")
            continue
        if "/" in command and not Path(command).is_absolute():
            command = str((path.parent / command).absolute())  # as the config's own folder has it
        seed = entry.get("sandbox")
        if seed is not None:
            seed_path = (path.parent / seed).resolve()
            if not seed_path.is_dir():
                problems.append(f"{where}.sandbox: {seed_path} is not a directory")
                continue
            seed = str(seed_path)
        specs.append(
            with_recipe(
                ServerSpec(
                    name=clean_name(name),
                    command=command,
                    args=tuple(args),
                    env=dict(env),
                    cwd=entry.get("cwd"),
                    url=url,
                    seed=seed,
                )
            )
        )
    if problems:
        raise CatalogError(source, None, None, "; ".join(problems))
    return specs


def clean_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "mcp"
