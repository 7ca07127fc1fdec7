// A turn that uses an earlier turn's output: (later:Turn)-[:DEPENDS_ON {...}]->(earlier:Turn).
UNWIND $links AS l
MATCH (later:Turn {graph: $graph, path: l.path, index: l.later})
MATCH (earlier:Turn {graph: $graph, path: l.path, index: l.earlier})
MERGE (later)-[d:DEPENDS_ON {source: l.source, source_field: l.source_field, target: l.target, target_param: l.target_param}]->(earlier)
SET d.kind = l.kind
RETURN count(d) AS dependencies
