// Delete the prerequisite edges into functions of the named toolkits (derived again per toolkit).
// collect first: see delete_into.
MATCH (b:Function {graph: $graph})
WHERE b.toolkit IN $toolkits
MATCH ()-[e:FEEDS]->(b)
WHERE e.kind = 'prerequisite'
WITH collect(e) AS doomed
UNWIND doomed AS e
DELETE e
RETURN count(e) AS edges
