// Split (miss_param): for each job, pick one required parameter of the function that no earlier
// call of the path can produce (no FEEDS edge from an earlier function into it, not produced in
// the path), so the user must state it; in name order, with the job's random number r.
UNWIND $jobs AS j
MATCH (fn:Function {graph: $graph, name: j.function})-[:HAS_PARAM]->(p:Parameter {graph: $graph})
WHERE p.required AND NOT p.name IN j.produced
  AND NOT EXISTS {
    MATCH (earlier:Function {graph: $graph})-[e:FEEDS]->(fn)
    WHERE earlier.name IN j.earlier AND e.target_param = p.name
  }
WITH j, p.name AS name
ORDER BY j.key, name
WITH j, collect(name) AS names
RETURN j.key AS key, names[toInteger(floor(j.r * size(names)))] AS param
