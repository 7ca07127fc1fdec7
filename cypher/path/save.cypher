// Persist paths: (:Path)-[:HAS_TURN {index}]->(:Turn)-[:CALLS {order}]->(:Function).
// A split or irrelevance turn has no calls; it records what it withholds (missing_*).
// Ids are content hashes: the same path found again from another seed keeps its first seed.
UNWIND $turns AS t
MERGE (p:Path {graph: $graph, id: t.path})
ON CREATE SET p.seed = t.seed
SET p.length = t.length, p.start = t.start, p.parent = t.parent
MERGE (turn:Turn {graph: $graph, path: t.path, index: t.index})
SET turn.ops = t.ops, turn.missing_kind = t.missing_kind, turn.missing_function = t.missing_function,
    turn.missing_param = t.missing_param
MERGE (p)-[h:HAS_TURN]->(turn)
SET h.index = t.index
WITH turn, t
UNWIND t.calls AS call
MATCH (f:Function {graph: $graph, name: call.function})
MERGE (turn)-[c:CALLS {order: call.order}]->(f)
RETURN count(c) AS calls
