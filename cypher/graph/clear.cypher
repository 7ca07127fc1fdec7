// Delete everything of one graph partition (functions, parameters, fields and their edges).
MATCH (n)
WHERE n.graph = $graph
DETACH DELETE n
