// One path per (graph, id); ids are content hashes, so saving a path again changes nothing.
CREATE CONSTRAINT path_key IF NOT EXISTS
FOR (p:Path) REQUIRE (p.graph, p.id) IS UNIQUE
