// Record each function's content hash as the one its edges were inferred from, rows of {name, hash}
// (a function changed meanwhile by a concurrent load keeps its old mark and stays changed).
UNWIND $rows AS row
MATCH (f:Function {graph: $graph, name: row.name})
WHERE f.hash = row.hash AND (f.edges_hash IS NULL OR f.edges_hash <> row.hash)
SET f.edges_hash = row.hash
RETURN count(f) AS functions
