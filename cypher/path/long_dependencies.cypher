// Turns that use an output from at least $distance turns back (long dependencies).
MATCH (p:Path {graph: $graph})-[hl:HAS_TURN]->(later:Turn)-[d:DEPENDS_ON]->(earlier:Turn)<-[he:HAS_TURN]-(p)
WHERE hl.index - he.index >= $distance
RETURN p.id AS path, he.index AS from_turn, hl.index AS to_turn, d.source + '.' + d.source_field AS output,
       d.target + '.' + d.target_param AS input
ORDER BY path, to_turn
