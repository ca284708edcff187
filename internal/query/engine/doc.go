// Package engine executes native timeseries, topN, groupBy and scan queries
// over one segment, producing the partial results of package result that
// the broker merges.
//
// Execution follows the segment's layout (see docs/query-engine.md):
//
//   - The query intervals become row ranges by binary search on the sorted
//     __time column.
//   - The filter becomes a roaring bitmap of matching rows. Leaves on string
//     columns are evaluated once per dictionary entry (or looked up with
//     IndexOf for selector, in and equals) and the entries' bitmaps are
//     unioned; and/or/not combine bitmaps with SQL three-valued logic by
//     tracking the rows where a subtree is true and those where it is
//     unknown. Leaves that no index answers (numeric columns, virtual
//     columns, expression and columnComparison filters) are evaluated row by
//     row with the filter package's Matcher, only on rows that can still
//     match.
//   - Aggregators and grouping keys read column blocks of segment.BlockSize
//     rows into reused buffers and fold the selected rows into per-group
//     states held in typed slices; grouping keys are dictionary ids within
//     the segment and are resolved to values only when the partial rows are
//     built.
//
// The row-at-a-time package rowengine is the reference the results are
// tested against: for the same rows both produce the same partial results.
//
// Run is safe for concurrent use on the same segment; each call keeps its
// own buffers.
package engine
