// Attach learned output fields (nested paths such as items[].id) with their evidence and counts.
UNWIND $rows AS row
MATCH (f:Function {graph: $graph, name: row.function})
MERGE (r:Field {graph: $graph, function: row.function, name: row.name})
SET r += row.props
MERGE (f)-[:RETURNS]->(r)
RETURN count(r) AS fields
