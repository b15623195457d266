package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Compact encodes the result's evidence once and drops the map: what a report
// keeps of a host once it is evaluated. A map of boxed values costs about
// three times its JSON (kaudit eval of 20,000 hosts held 243 MB of evidence
// maps until the report was written). The report's JSON is unchanged: the
// packed bytes are what encoding the map gives (json.Marshal: keys sorted,
// <, > and & escaped). EvidenceMap decodes it again for the renderers that
// read values. Compact on a result without evidence, or packed already, does
// nothing.
func (r *Result) Compact() error {
	if len(r.Evidence) == 0 {
		return nil
	}
	b, err := json.Marshal(r.Evidence)
	if err != nil {
		return fmt.Errorf("pack evidence of %s: %w", r.ID, err)
	}
	r.packed, r.Evidence = b, nil
	return nil
}

// Packed reports whether the evidence is held encoded (Compact).
func (r *Result) Packed() bool { return r.packed != nil }

// EvidenceMap is the result's evidence: the map, or the packed evidence
// decoded (numbers as json.Number, so that encoding a value again gives the
// same text). Nil when there is none. The map decoded is the caller's.
func (r *Result) EvidenceMap() map[string]any {
	if r.packed == nil {
		return r.Evidence
	}
	d := json.NewDecoder(bytes.NewReader(r.packed))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil // not reached: packed is json.Marshal's output
	}
	return m
}

// resultWire is Result as encoded, with the evidence as its encoded text:
// the same members in the same order (TestResultWire keeps them so).
type resultWire struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Severity    string          `json:"severity"`
	Status      string          `json:"status"`
	Message     string          `json:"message"`
	Evidence    json.RawMessage `json:"evidence,omitempty"`
	Remediation string          `json:"remediation,omitempty"`
	Pack        string          `json:"pack,omitempty"`
	Waiver      *WaiverRef      `json:"waiver,omitempty"`
	Baseline    string          `json:"baseline,omitempty"`
	Predicted   bool            `json:"predicted,omitempty"`
}

// plainResult is Result without its methods (no MarshalJSON).
type plainResult Result

// MarshalJSON encodes r as encoding/json encodes its fields, the packed
// evidence as it was encoded.
func (r Result) MarshalJSON() ([]byte, error) {
	if r.packed == nil {
		return json.Marshal(plainResult(r))
	}
	return json.Marshal(resultWire{
		ID: r.ID, Title: r.Title, Severity: r.Severity, Status: r.Status, Message: r.Message,
		Evidence: r.packed, Remediation: r.Remediation, Pack: r.Pack, Waiver: r.Waiver,
		Baseline: r.Baseline, Predicted: r.Predicted,
	})
}
