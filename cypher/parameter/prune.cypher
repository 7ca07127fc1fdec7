// Remove parameters a reloaded function no longer has.
UNWIND $rows AS row
MATCH (f:Function {graph: $graph, name: row.function})-[:HAS_PARAM]->(p:Parameter)
WHERE NOT p.name IN row.names
DETACH DELETE p
