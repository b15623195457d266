package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSON writes the kaudit.report/v1 document, indented by two spaces, as
// docs/report.schema.json describes it. Strings are kept as collected
// (control characters are JSON-escaped; <, > and & are escaped too, so the
// file is safe to embed); nil lists and maps are written empty.
type JSON struct{}

// Render writes r as JSON to w. The hosts are encoded one at a time and
// written as they are encoded: memory does not grow with the document (65 MB
// at 2,000 hosts), and the bytes are those of encoding the whole report with
// json.Encoder and a two-space indent.
func (JSON) Render(w io.Writer, r *Report) error {
	if err := renderJSON(w, normalized(r)); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// hostsKey is the top-level "hosts" member of an indented report whose hosts
// list is empty: only top-level members are indented by exactly two spaces,
// and a newline inside a JSON string is escaped.
const hostsKey = "\n  \"hosts\": []"

func renderJSON(w io.Writer, c *Report) error {
	hosts := c.Hosts
	c.Hosts = []Host{}
	doc, err := json.MarshalIndent(c, "", "  ")
	c.Hosts = hosts
	if err != nil {
		return err
	}
	at := bytes.Index(doc, []byte(hostsKey))
	if at < 0 || bytes.Count(doc, []byte(hostsKey)) != 1 {
		return errors.New("no single top-level hosts member")
	}
	if len(hosts) == 0 {
		_, err := w.Write(append(doc, '\n'))
		return err
	}
	if _, err := w.Write(doc[:at+len(hostsKey)-1]); err != nil { // up to and including "["
		return err
	}
	for i := range hosts {
		h, err := json.MarshalIndent(&hosts[i], "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n    "
		if i == 0 {
			sep = "\n    "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(h); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "\n  ]"); err != nil {
		return err
	}
	_, err = w.Write(append(doc[at+len(hostsKey):], '\n'))
	return err
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
