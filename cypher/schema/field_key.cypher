// One response-field node per (graph, function, name).
CREATE CONSTRAINT field_key IF NOT EXISTS
FOR (r:Field) REQUIRE (r.graph, r.function, r.name) IS UNIQUE
