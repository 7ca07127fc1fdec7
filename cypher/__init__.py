"""Cypher queries shipped with magnet-graph, one per file; see magnet_graph.store.cypher_files."""
