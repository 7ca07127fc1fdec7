// Delete every FEEDS edge from or into the named functions (an incremental inference derives them again).
// DISTINCT: an edge between two named functions is matched from both ends. collect first: see delete_into.
UNWIND $functions AS name
MATCH (f:Function {graph: $graph, name: name})-[e:FEEDS]-()
WITH collect(DISTINCT e) AS doomed
UNWIND doomed AS e
DELETE e
RETURN count(e) AS edges
