// Every function of a graph with all its properties, by name.
MATCH (f:Function {graph: $graph})
RETURN properties(f) AS function
ORDER BY f.name
