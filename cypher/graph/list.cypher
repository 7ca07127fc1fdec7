// The graph partitions in the database, with their function counts.
MATCH (f:Function)
RETURN f.graph AS graph, count(f) AS functions
ORDER BY graph
