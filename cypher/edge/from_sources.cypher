// Stored cross-toolkit edges from the named functions, with their evidence (an incremental inference
// counts those that fit by role alone against its per-source cap).
UNWIND $sources AS source
MATCH (a:Function {graph: $graph, name: source})-[e:FEEDS]->(b:Function {graph: $graph})
WHERE b.toolkit <> a.toolkit
RETURN a.name AS source, e.source_field AS source_field, b.name AS target, e.target_param AS target_param,
       e.kind AS kind, e.score AS score, e.evidence AS evidence
