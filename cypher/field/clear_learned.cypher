// Remove the output fields a previous link wrote: learned ones (by running tools, reading descriptions
// or asking the judge) and the nested paths of declared outputs; top-level declared fields are the
// catalog's (field/upsert, field/prune). The next field/learn writes them again.
MATCH (r:Field {graph: $graph})
WHERE r.evidence IS NOT NULL
  AND (r.evidence <> 'declared' OR r.name CONTAINS '.' OR r.name CONTAINS '[' OR r.name CONTAINS '{')
DETACH DELETE r
