"""What a run walks: ``plan_paths(store, PathConfig)``, the one place walks, operations and
single-turn shapes are put together (``magnet-graph paths`` prints it, ``synthesize`` translates it)."""

from __future__ import annotations

from ..config import SINGLE_TURN_SHAPES, PathConfig
from ..store import GraphStore
from .model import SignaturePath
from .operations import apply_operations
from .shapes import single_turn_paths
from .walks import WalkConfig, random_walks


def plan_paths(store: GraphStore, config: PathConfig) -> list[SignaturePath]:
    """Walks reshaped by the operations, then single-turn shapes; deterministic for a seed and graph."""
    walking = WalkConfig(
        max_steps=config.max_steps, min_length=config.min_steps, weighted=config.weighted, backtrack=config.backtrack
    )
    walks = random_walks(store, config.n, config.seed, walking)
    found = apply_operations(store, walks, config.seed, config.ops) if config.ops else walks
    shapes = {s: config.mix.get(s, 0) for s in SINGLE_TURN_SHAPES if config.mix.get(s, 0) > 0}
    count = config.single_turn_count()
    return found + (single_turn_paths(store, count, config.seed, shapes) if count and shapes else [])
