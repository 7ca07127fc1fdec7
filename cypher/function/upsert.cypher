// Create or update a batch of functions; re-running with the same rows changes nothing.
UNWIND $rows AS row
MERGE (f:Function {graph: $graph, name: row.name})
SET f += row.props
RETURN count(f) AS functions
