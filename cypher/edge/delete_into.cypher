// Delete the FEEDS edges into the given parameters, rows of {function, param} (their sources are chosen again).
// collect first: ArcadeDB 26.10 loses its place in a vertex's edge segments when edges go while it walks them.
UNWIND $rows AS row
MATCH (b:Function {graph: $graph, name: row.function})
WITH b, row
MATCH ()-[e:FEEDS]->(b)
WHERE e.target_param = row.param
WITH collect(e) AS doomed
UNWIND doomed AS e
DELETE e
RETURN count(e) AS edges
