// Node and edge counts of one graph partition.
OPTIONAL MATCH (f:Function {graph: $graph})
WITH count(f) AS functions
OPTIONAL MATCH (p:Parameter {graph: $graph})
WITH functions, count(p) AS parameters
OPTIONAL MATCH (r:Field {graph: $graph})
WITH functions, parameters, count(r) AS response_fields
OPTIONAL MATCH (:Function {graph: $graph})-[e:FEEDS]->(:Function {graph: $graph})
RETURN functions, parameters, response_fields, count(e) AS edges
