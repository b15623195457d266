package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// JSON writes the kaudit.report/v1 document, indented by two spaces, as
// docs/report.schema.json describes it. Strings are kept as collected
// (control characters are JSON-escaped; <, > and & are escaped too, so the
// file is safe to embed); nil lists and maps are written empty.
type JSON struct{}

// Render writes r as JSON to w.
func (JSON) Render(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalized(r)); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// normalized returns a shallow copy of r whose required lists and maps are
// non-nil, leaving r itself untouched.
func normalized(r *Report) *Report {
	c := *r
	if c.Schema == "" {
		c.Schema = Schema
	}
	c.Hosts = make([]Host, len(r.Hosts))
	for i, h := range r.Hosts {
		fillHost(&h)
		c.Hosts[i] = h
	}
	if c.Summary.Hosts == nil || c.Summary.Results == nil || c.Summary.Failing == nil {
		s := summarize(&c)
		c.Summary.Hosts, c.Summary.Results, c.Summary.Failing = s.Hosts, s.Results, s.Failing
	}
	return &c
}
