// Advance every walker one hop: each walker picks among the distinct unvisited successors of its
// last function, in name order, using the random number r in [0, 1) drawn for it in Python.
// Weighted walks pick in proportion to the best FEEDS score into each successor (a prefix sum per
// candidate); unweighted ones take index floor(r * k), the same pick without the sums.
UNWIND $walkers AS w
MATCH (:Function {graph: $graph, name: w.last})-[e:FEEDS]->(g:Function {graph: $graph})
WHERE NOT g.name IN w.visited AND e.score >= $min_score
WITH w.id AS id, w.r AS r, g.name AS next, max(e.score) AS best
ORDER BY id, next
WITH id, r, collect(next) AS nexts, collect(best) AS weights
WITH id, nexts, CASE WHEN $weighted
       THEN [i IN range(0, size(nexts) - 1)
             WHERE reduce(s = 0.0, x IN weights[0..i + 1] | s + x) > r * reduce(t = 0.0, x IN weights | t + x)][0]
       ELSE toInteger(floor(r * size(nexts))) END AS pick
RETURN id, nexts[pick] AS next
