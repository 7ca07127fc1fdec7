// One turn node per (graph, path, index).
CREATE CONSTRAINT turn_key IF NOT EXISTS
FOR (t:Turn) REQUIRE (t.graph, t.path, t.index) IS UNIQUE
