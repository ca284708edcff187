package joda

// The tests use IANA zones; embed the database so they do not depend on the
// host's zoneinfo files (the dryad binary embeds it the same way).
import _ "time/tzdata"
