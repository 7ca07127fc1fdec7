// Every FEEDS edge of a graph, streamed unsorted (GraphStore.edges sorts them).
MATCH (a:Function {graph: $graph})-[e:FEEDS]->(b:Function {graph: $graph})
RETURN a.name AS source, b.name AS target, e.source_field AS source_field,
       e.target_param AS target_param, e.kind AS kind, e.score AS score, e.evidence AS evidence
