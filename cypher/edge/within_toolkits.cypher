// Stored edges between functions of the same toolkit, for the named toolkits.
MATCH (b:Function {graph: $graph})
WHERE b.toolkit IN $toolkits
MATCH (a:Function {graph: $graph, toolkit: b.toolkit})-[e:FEEDS]->(b)
RETURN a.name AS source, b.name AS target, e.target_param AS target_param
