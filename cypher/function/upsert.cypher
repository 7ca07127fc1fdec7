// Create or update a batch of functions; re-running with the same rows changes nothing.
// A name held by a different function (another toolkit's, written by a concurrent load since this
// batch was named) is left alone and missing from `written`: the caller rolls back and renames.
UNWIND $rows AS row
MERGE (f:Function {graph: $graph, name: row.name})
ON CREATE SET f += row.props
WITH f, row
WHERE f.toolkit = row.props.toolkit AND f.original_name = row.props.original_name
SET f += row.props
RETURN collect(row.name) AS written
