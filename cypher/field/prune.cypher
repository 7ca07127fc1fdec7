// Remove response fields a reloaded function no longer has.
UNWIND $rows AS row
MATCH (f:Function {graph: $graph, name: row.function})-[:RETURNS]->(r:Field)
WHERE NOT r.name IN row.names
DETACH DELETE r
