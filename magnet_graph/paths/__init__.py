"""Signature paths: seeded Cypher random walks, node operations, single-turn shapes, and the plan of a run."""

from ..config import OPERATIONS, PAPER_SFT_MIX, SINGLE_TURN_SHAPES, PathConfig
from .model import PATHS_FILE, Dependency, PathTurn, SignaturePath, read_paths, write_paths
from .operations import OperationConfig, apply_operations
from .plan import plan_paths
from .shapes import single_turn_paths
from .walks import WalkConfig, random_walks, walk_sequences

__all__ = [
    "OPERATIONS",
    "PAPER_SFT_MIX",
    "PATHS_FILE",
    "SINGLE_TURN_SHAPES",
    "Dependency",
    "OperationConfig",
    "PathConfig",
    "PathTurn",
    "SignaturePath",
    "WalkConfig",
    "apply_operations",
    "plan_paths",
    "random_walks",
    "read_paths",
    "single_turn_paths",
    "walk_sequences",
    "write_paths",
]
