// Forget which functions the graph's edges were inferred from (before edges are rewritten).
MATCH (m:EdgeInference {graph: $graph})
DELETE m
