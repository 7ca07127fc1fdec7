// Names already taken in a graph, keyed by where each function came from (for stable naming).
MATCH (f:Function {graph: $graph})
RETURN f.toolkit AS toolkit, f.original_name AS original_name, f.name AS name
