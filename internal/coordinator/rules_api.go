package coordinator

import (
	"encoding/json"
	"net/http"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/metadata"
	"github.com/dryaddb/dryad/internal/rules"
)

// The /druid/coordinator/v1/rules endpoints read and write the rules
// table; every write is audited. The rule model is package rules.

// serveAllRules is GET /rules: every datasource's rules and "_default".
func (c *Coordinator) serveAllRules(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	all, err := c.currentRules(r.Context(), store)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out := make(map[string][]rules.Rule, len(all))
	for ds, rs := range all {
		out[ds] = nonNil(rs)
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

// serveRules is GET /rules/{ds}: the datasource's rules ([] when none, also
// for an unknown datasource); with full followed by the default rules.
func (c *Coordinator) serveRules(w http.ResponseWriter, r *http.Request) {
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	all, err := c.currentRules(r.Context(), store)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ds := r.PathValue("dataSourceName")
	out := append([]rules.Rule{}, all[ds]...)
	if has(r, "full") { // for "_default" itself too, which Druid then lists twice
		out = append(out, all[metadata.DefaultRulesKey]...)
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

// serveSetRules is POST /rules/{ds}: replace the datasource's rules (an
// empty array removes them) with an audit entry carrying the X-Druid-Author
// and X-Druid-Comment headers. Every rule is validated first; the stored
// form is Druid's normalized JSON. 200 with an empty body.
func (c *Coordinator) serveSetRules(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	rs, err := rules.Decode(raw)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ds := r.PathValue("dataSourceName")
	if ds == "" {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "a datasource name is required"))
		return
	}
	b, err := rules.Encode(rs)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := store.SetRules(r.Context(), ds, b, auditInfoOf(r)); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c.Nudge()
	ok(w)
}

// serveRulesHistory is GET /rules/history and /rules/{ds}/history: the
// audit entries of rule changes, with interval (default: the last week) or
// count (the newest n); an interval wins over a count.
func (c *Coordinator) serveRulesHistory(w http.ResponseWriter, r *http.Request) {
	iv, count, err := historyParams(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	store, err := c.metadataStore()
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	es, err := store.RulesHistory(r.Context(), r.PathValue("dataSourceName"), iv, count)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, r, http.StatusOK, auditEntries(es))
}
