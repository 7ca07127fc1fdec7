// Split (miss_param): for each job, pick one required parameter of the function that no earlier
// call produces (so the user must state it), in name order, with the job's random number r.
UNWIND $jobs AS j
MATCH (:Function {graph: $graph, name: j.function})-[:HAS_PARAM]->(p:Parameter {graph: $graph})
WHERE p.required AND NOT p.name IN j.produced
WITH j, p.name AS name
ORDER BY j.key, name
WITH j, collect(name) AS names
RETURN j.key AS key, names[toInteger(floor(j.r * size(names)))] AS param
