// Stored feed edges (not prerequisites) between functions of the same toolkit, for the named toolkits.
MATCH (b:Function {graph: $graph})
WHERE b.toolkit IN $toolkits
MATCH (a:Function {graph: $graph, toolkit: b.toolkit})-[e:FEEDS]->(b)
WHERE e.kind <> 'prerequisite'
RETURN a.name AS source, b.name AS target, e.target_param AS target_param
