package broker

// LookupSource resolves Druid query-time lookups by name: the lookups this
// process serves (the lookup registry of its tier). Implementations are safe
// for concurrent use.
type LookupSource interface {
	// Map returns the current key→value map of the named lookup and whether
	// it is loaded. The map is an immutable snapshot shared with other
	// callers: it must not be modified.
	Map(name string) (map[string]string, bool)
}
