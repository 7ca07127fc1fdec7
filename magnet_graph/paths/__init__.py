"""Signature paths: seeded Cypher random walks over FEEDS edges, persisted in the graph."""

from .model import Dependency, SignaturePath, Turn
from .walks import WalkConfig, random_walks, walk_sequences

__all__ = ["Dependency", "SignaturePath", "Turn", "WalkConfig", "random_walks", "walk_sequences"]
