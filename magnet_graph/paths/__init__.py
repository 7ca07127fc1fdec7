"""Signature paths: seeded Cypher random walks, node operations, single-turn shapes."""

from .model import Dependency, Missing, SignaturePath, Turn
from .operations import OPERATIONS, OperationConfig, apply_operations
from .shapes import PAPER_MIX, single_turn_paths
from .walks import WalkConfig, random_walks, walk_sequences

__all__ = [
    "Dependency",
    "Missing",
    "SignaturePath",
    "Turn",
    "WalkConfig",
    "random_walks",
    "walk_sequences",
    "OPERATIONS",
    "OperationConfig",
    "apply_operations",
    "PAPER_MIX",
    "single_turn_paths",
]
