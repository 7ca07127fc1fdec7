// All stored paths that call a function, with the turn where they call it.
// Try: magnet-graph's GraphStore.run("path/through_function", function="book_flight")
MATCH (p:Path {graph: $graph})-[h:HAS_TURN]->(:Turn)-[:CALLS]->(:Function {graph: $graph, name: $function})
RETURN p.id AS path, p.length AS length, h.index AS turn
ORDER BY path, turn
