// Which functions and settings the graph's FEEDS edges were inferred from (no row: never inferred, or cut short).
MATCH (m:EdgeInference {graph: $graph})
RETURN m.functions_hash AS functions_hash, m.functions AS functions, m.edges AS edges, m.settings AS settings
