// One function per (graph, name): makes MERGE idempotent and concurrent loads duplicate-free.
CREATE CONSTRAINT function_key IF NOT EXISTS
FOR (f:Function) REQUIRE (f.graph, f.name) IS UNIQUE
