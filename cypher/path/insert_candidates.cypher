// Insert: for each job (a turn's last function), pick one successor not yet in that turn, in name
// order, with the job's random number r; return the best FEEDS edge into it (field -> param).
UNWIND $jobs AS j
MATCH (:Function {graph: $graph, name: j.function})-[e:FEEDS]->(g:Function {graph: $graph})
WHERE NOT g.name IN j.exclude AND e.kind <> 'prerequisite'
WITH j, g.name AS candidate, e
ORDER BY e.score DESC, e.source_field, e.target_param
WITH j, candidate, collect(e)[0] AS best
ORDER BY j.key, candidate
WITH j, collect({name: candidate, source_field: best.source_field, target_param: best.target_param,
                 kind: best.kind}) AS options
RETURN j.key AS key, options[toInteger(floor(j.r * size(options)))] AS pick
