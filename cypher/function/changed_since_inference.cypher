// Functions added or changed since the graph's edges were last inferred (their content hash differs
// from the one recorded then, or none was).
MATCH (f:Function {graph: $graph})
WHERE f.edges_hash IS NULL OR f.edges_hash <> f.hash
RETURN f.name AS name
