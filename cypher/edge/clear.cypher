// Delete every FEEDS edge of a graph (re-inference replaces them in the same transaction).
MATCH (:Function {graph: $graph})-[e:FEEDS]->(:Function {graph: $graph})
DELETE e
