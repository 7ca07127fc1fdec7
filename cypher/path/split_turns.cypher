// Split and irrelevance turns: what each withholds, and the path it was copied from.
MATCH (p:Path {graph: $graph})-[h:HAS_TURN]->(t:Turn)
WHERE t.missing_kind <> ''
RETURN p.id AS path, p.parent AS parent, h.index AS turn, t.missing_kind AS kind,
       t.missing_function AS function, t.missing_param AS param
ORDER BY path, turn
