// Attach top-level parameters to their functions.
UNWIND $rows AS row
MATCH (f:Function {graph: $graph, name: row.function})
MERGE (p:Parameter {graph: $graph, function: row.function, name: row.name})
SET p += row.props
MERGE (f)-[:HAS_PARAM]->(p)
RETURN count(p) AS parameters
