// The functions each function feeds inside its own toolkit (one row per source), without fields or evidence.
MATCH (a:Function {graph: $graph})-[:FEEDS]->(b:Function {graph: $graph})
WHERE a.toolkit = b.toolkit
WITH a, collect(DISTINCT b.name) AS targets
RETURN a.name AS source, targets
