package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// reportSchema compiles docs/report.schema.json with format assertions on
// (date-time is checked).
func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile("../docs/report.schema.json")
	if err != nil {
		t.Fatalf("compile report schema: %v", err)
	}
	return sch
}

func validateJSON(t *testing.T, sch *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("renderer output is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

// TestJSONMatchesSchema validates real renderer output of every fixture
// against the schema the repository ships.
func TestJSONMatchesSchema(t *testing.T) {
	sch := reportSchema(t)
	gate := sampleGateReport()
	Finalize(gate, "")
	empty := &Report{StartedAt: "2026-03-02T10:15:04Z", FinishedAt: "2026-03-02T10:15:04Z", Interrupted: true}
	Finalize(empty, "critical")
	unfinalized := sampleReport() // hosts without a status must not slip through
	big := bigReport(200)
	Finalize(big, "medium")
	for name, tc := range map[string]struct {
		r     *Report
		valid bool
	}{
		"sample+baseline": {finishedSample(t), true},
		"gate":            {gate, true},
		"empty":           {empty, true},
		"big":             {big, true},
		"unfinalized":     {unfinalized, false},
	} {
		t.Run(name, func(t *testing.T) {
			err := validateJSON(t, sch, render(t, JSON{}, tc.r))
			if tc.valid && err != nil {
				t.Fatalf("schema rejects renderer output: %v", err)
			}
			if !tc.valid && err == nil {
				t.Fatal("schema accepts a report whose hosts have no status")
			}
		})
	}
}

// TestSchemaRejects makes sure the schema is not vacuous: each mutation of a
// valid report must fail validation.
func TestSchemaRejects(t *testing.T) {
	sch := reportSchema(t)
	good := render(t, JSON{}, finishedSample(t))
	for name, mutate := range map[string]func(m map[string]any){
		"wrong schema":        func(m map[string]any) { m["schema"] = "kaudit.report/v2" },
		"bad fail_on":         func(m map[string]any) { m["fail_on"] = "severe" },
		"bad started_at":      func(m map[string]any) { m["started_at"] = "yesterday" },
		"missing summary key": func(m map[string]any) { delete(m["summary"].(map[string]any)["hosts"].(map[string]any), "unreachable") },
		"unknown top field":   func(m map[string]any) { m["hostz"] = []any{} },
		"bad result status": func(m map[string]any) {
			host(m, 0)["results"].([]any)[0].(map[string]any)["status"] = "passed"
		},
		"unreachable without reason": func(m map[string]any) { delete(host(m, 2), "reason") },
		"waived without waiver": func(m map[string]any) {
			for _, x := range host(m, 5)["results"].([]any) {
				if r := x.(map[string]any); r["status"] == "waived" {
					delete(r, "waiver")
				}
			}
		},
		"bad reason": func(m map[string]any) { host(m, 2)["reason"] = "firewall" },
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			doc, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateJSON(t, sch, doc); err == nil {
				t.Fatal("schema accepts the mutated report")
			}
		})
	}
}

func host(m map[string]any, i int) map[string]any {
	return m["hosts"].([]any)[i].(map[string]any)
}

// TestJSONRoundTrip: what the JSON renderer writes, Read reads back to the
// same document, hostile strings included.
func TestJSONRoundTrip(t *testing.T) {
	r := finishedSample(t)
	first := render(t, JSON{}, r)
	back, err := Read(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if second := render(t, JSON{}, back); !bytes.Equal(first, second) {
		t.Fatal("JSON → Read → JSON changed the document")
	}
	if got := back.Hosts[5].Facts.OS.PrettyName; got != hostilePretty {
		t.Fatalf("PRETTY_NAME after round trip = %q, want it kept as collected", got)
	}
	if strings.Contains(string(first), "<script>") {
		t.Fatal("JSON output has a raw <script>: <, > and & must be escaped")
	}
}

func TestJSONDoesNotMutateInput(t *testing.T) {
	r := sampleReport() // nil summary maps, no statuses
	render(t, JSON{}, r)
	if r.Summary.Hosts != nil || r.Hosts[0].Status != "" {
		t.Fatal("JSON renderer changed the report it rendered")
	}
}

func TestReadRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"other schema": `{"schema": "kaudit.facts/v1", "hosts": []}`,
		"no schema":    `{"hosts": []}`,
		"not json":     `schema: kaudit.report/v1`,
		"wrong type":   `{"schema": "kaudit.report/v1", "hosts": {}}`,
	} {
		if _, err := Read(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: Read accepted %s", name, doc)
		}
	}
}
