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
	gate.Notices = sampleNotices()
	Finalize(gate, "")
	empty := &Report{StartedAt: "2026-03-02T10:15:04Z", FinishedAt: "2026-03-02T10:15:04Z", Interrupted: true}
	Finalize(empty, "critical")
	timed := finishedSample(t)
	timed.DurationMS = 41960
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
		"duration_ms":     {timed, true},
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
	checkRejects(t, sch, good, map[string]func(m map[string]any){
		"wrong schema":        func(m map[string]any) { m["schema"] = "kaudit.report/v2" },
		"bad fail_on":         func(m map[string]any) { m["fail_on"] = "severe" },
		"bad started_at":      func(m map[string]any) { m["started_at"] = "yesterday" },
		"zero duration_ms":    func(m map[string]any) { m["duration_ms"] = 0 },
		"float duration_ms":   func(m map[string]any) { m["duration_ms"] = 41.96 },
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
	})
}

// TestSchemaRejectsGateAndNotices: the gate's and the notices' parts of the
// schema are not vacuous either.
func TestSchemaRejectsGateAndNotices(t *testing.T) {
	sch := reportSchema(t)
	r := sampleGateReport()
	r.Notices = sampleNotices()
	Finalize(r, "high")
	good := render(t, JSON{}, r)
	if err := validateJSON(t, sch, good); err != nil {
		t.Fatalf("schema rejects the gate report: %v", err)
	}
	notice := func(m map[string]any) map[string]any { return m["notices"].([]any)[0].(map[string]any) }
	projected := func(m map[string]any, id string) map[string]any {
		for _, x := range host(m, 0)["projected"].([]any) {
			if p := x.(map[string]any); p["id"] == id {
				return p
			}
		}
		t.Fatalf("no projected %s", id)
		return nil
	}
	checkRejects(t, sch, good, map[string]func(m map[string]any){
		"notice level info":      func(m map[string]any) { notice(m)["level"] = "info" },
		"notice without message": func(m map[string]any) { delete(notice(m), "message") },
		"notice unknown field":   func(m map[string]any) { notice(m)["waiver"] = "kmem.runc" },
		"plan failing 0":         func(m map[string]any) { m["plan"].(map[string]any)["failing"] = 0 },
		"gate.planned not a text": func(m map[string]any) {
			projected(m, "kmem.runc")["evidence"].(map[string]any)["gate.planned"] = map[string]any{"runtimes.runc": 95}
		},
		"gate.predicted a string": func(m map[string]any) {
			projected(m, "kmem.risk")["evidence"].(map[string]any)["gate.predicted"] = "inactive"
		},
		"bad gate": func(m map[string]any) { host(m, 0)["gate"] = "maybe" },
	})
}

// TestJSONGateRoundTrip: a gate report with notices reads back to the same
// document (the gate's evidence maps come back as map[string]any).
func TestJSONGateRoundTrip(t *testing.T) {
	r := sampleGateReport()
	r.Notices = sampleNotices()
	Finalize(r, "high")
	first := render(t, JSON{}, r)
	back, err := Read(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if second := render(t, JSON{}, back); !bytes.Equal(first, second) {
		t.Fatal("JSON → Read → JSON changed the gate report")
	}
	if len(back.Notices) != 4 || back.Notices[0].Subject != `waiver "kmem.runc"` || back.Notices[0].Position != "inventories/prod.hcl:86:1" || back.Plan.Failing != 1 {
		t.Fatalf("notices or plan lost: %+v %+v", back.Notices, back.Plan)
	}
	planned, predicted := gateNotes(&back.Hosts[0].Projected[5]) // kmem.runc
	if back.Hosts[0].Projected[5].ID != "kmem.runc" || len(planned) != 1 || planned[0] != [2]string{"runtimes.runc", "docker-runc 1.0.0-rc5+dev → 1.0.0-rc95"} || predicted != nil {
		t.Fatalf("gate notes after the round trip: planned %v, predicted %v", planned, predicted)
	}
}

// checkRejects applies each mutation to the valid report good and expects
// the schema to reject the result.
func checkRejects(t *testing.T, sch *jsonschema.Schema, good []byte, mutations map[string]func(m map[string]any)) {
	t.Helper()
	for name, mutate := range mutations {
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
