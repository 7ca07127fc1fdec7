// Start functions for walks: every function of the graph with at least one outgoing FEEDS edge, by name.
MATCH (f:Function {graph: $graph})
WHERE EXISTS { MATCH (f)-[e:FEEDS]->(:Function {graph: $graph}) WHERE e.score >= $min_score }
RETURN f.name AS name
ORDER BY name
