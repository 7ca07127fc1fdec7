// The best FEEDS edge between consecutive functions of walked paths: which output feeds which input.
UNWIND $pairs AS pair
MATCH (a:Function {graph: $graph, name: pair.source})-[e:FEEDS]->(b:Function {graph: $graph, name: pair.target})
WITH pair, e ORDER BY e.score DESC, e.source_field, e.target_param
WITH pair, collect(e)[0] AS e
RETURN pair.source AS source, pair.target AS target, e.source_field AS source_field,
       e.target_param AS target_param, e.kind AS kind, e.score AS score
