// One parameter node per (graph, function, name).
CREATE CONSTRAINT parameter_key IF NOT EXISTS
FOR (p:Parameter) REQUIRE (p.graph, p.function, p.name) IS UNIQUE
