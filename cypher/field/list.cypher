// Every output field of the graph: declared by the catalog, observed by running the tool, or described.
MATCH (f:Function {graph: $graph})-[:RETURNS]->(r:Field)
RETURN f.name AS function, r.name AS name, r.type AS type,
       coalesce(r.evidence, 'declared') AS evidence, coalesce(r.observations, 0) AS observations
ORDER BY function, name
