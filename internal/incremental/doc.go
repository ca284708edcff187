// Package incremental provides the in-memory, appendable index that
// ingestion fills for one time chunk: rows are added one by one, rolled up
// (rows with the same truncated timestamp and dimension values are combined
// through the metrics' aggregators), measured (row count and estimated bytes,
// so ingestion can persist at maxRowsInMemory / maxBytesInMemory) and
// persisted as a segment file. Merge combines persisted segments of one
// chunk into a new index, re-applying rollup.
//
// Dimensions are either declared (typed) or, when none are declared,
// discovered in arrival order: as strings by default, or with their types
// inferred when UseSchemaDiscovery is set (see Config).
//
// An Index is not safe for concurrent use.
package incremental
