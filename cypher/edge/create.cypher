// Create FEEDS edges not stored yet (after edge/clear): source's output field feeds target's parameter.
UNWIND $rows AS row
MATCH (a:Function {graph: $graph, name: row.source})
MATCH (b:Function {graph: $graph, name: row.target})
CREATE (a)-[e:FEEDS {source_field: row.source_field, target_param: row.target_param}]->(b)
SET e.kind = row.kind, e.score = row.score, e.evidence = row.evidence, e.graph = $graph
RETURN count(e) AS edges
