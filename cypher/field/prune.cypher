// Remove declared response fields a reloaded function no longer has. A field is the catalog's when it
// is top-level and either carries no evidence or a link marked it declared; the others (nested paths,
// observed, described, judged) are link's to replace (field/clear_learned).
UNWIND $rows AS row
MATCH (f:Function {graph: $graph, name: row.function})-[:RETURNS]->(r:Field)
WHERE NOT r.name IN row.names
  AND coalesce(r.evidence, 'declared') = 'declared'
  AND NOT (r.name CONTAINS '.' OR r.name CONTAINS '[' OR r.name CONTAINS '{')
DETACH DELETE r
