// Advance every walker one hop: each walker picks among the distinct unvisited successors of its
// last function, in name order, using the random number r in [0, 1) drawn for it in Python.
// Weighted walks pick in proportion to the best FEEDS score into each successor (prefix sums);
// unweighted ones take index floor(r * k), the pick those sums give when every weight is 1.
UNWIND $walkers AS w
MATCH (:Function {graph: $graph, name: w.last})-[e:FEEDS]->(g:Function {graph: $graph})
WHERE NOT g.name IN w.visited AND e.score >= $min_score
WITH w.id AS id, w.r AS r, g.name AS next, max(e.score) AS best
ORDER BY id, next
WITH id, r, collect(next) AS nexts, collect(best) AS weights
WITH id, r, nexts, weights, CASE WHEN $weighted THEN reduce(t = 0.0, x IN weights | t + x) ELSE 0.0 END AS total
WITH id, nexts, CASE WHEN $weighted
       THEN [i IN range(0, size(nexts) - 1) WHERE reduce(s = 0.0, x IN weights[0..i + 1] | s + x) > r * total][0]
       ELSE toInteger(floor(r * size(nexts))) END AS pick
RETURN id, nexts[pick] AS next
