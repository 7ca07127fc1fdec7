"""magnet-graph: Magnet multi-turn tool-use data synthesis on a graph database."""

__version__ = "0.1.0"
