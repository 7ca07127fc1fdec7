// Remove the output fields a previous link learned (by running tools or reading descriptions).
MATCH (r:Field {graph: $graph})
WHERE r.evidence IN ['observed', 'described']
DETACH DELETE r
