// Functions per toolkit in one graph.
MATCH (f:Function {graph: $graph})
RETURN f.toolkit AS toolkit, count(f) AS functions
ORDER BY toolkit
