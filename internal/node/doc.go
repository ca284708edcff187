// Package node assembles one dryad process from its configuration: it locks
// the data directory, opens the metadata store and prepares deep storage,
// builds the selected roles with their dependencies (in-process discovery
// and leader election), serves them over HTTP and announces them; and it
// takes all of that down again in reverse order on Stop.
//
// The process's main listener (druid.plaintextPort) serves every role it
// runs: through the router role when the process runs one (quickstart
// does), otherwise through the union of the roles' route tables. A role may
// also get a listener of its own (dryad.<role>.plaintextPort) serving only
// its paths, like a Druid process on its default port.
package node
