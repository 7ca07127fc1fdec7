// Stored paths and turns of a graph.
OPTIONAL MATCH (p:Path {graph: $graph})
WITH count(p) AS paths
OPTIONAL MATCH (t:Turn {graph: $graph})
RETURN paths, count(t) AS turns
