// Record which functions, and which settings, a graph's FEEDS edges were inferred from (written after the edges).
MERGE (m:EdgeInference {graph: $graph})
SET m.functions_hash = $functions_hash, m.functions = $functions, m.edges = $edges, m.settings = $settings
RETURN m.functions_hash AS functions_hash
