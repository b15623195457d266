package report

import (
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFMatchesSchema validates the SARIF renderer's output against the
// official SARIF 2.1.0 schema (testdata/sarif, from oasis-tcs/sarif-spec) for
// the sample, gate, empty/interrupted and large reports, and shows the schema
// rejects a result level SARIF does not define.
func TestSARIFMatchesSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../testdata/sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	gate := sampleGateReport()
	gate.Notices = sampleNotices()
	Finalize(gate, "")
	empty := &Report{StartedAt: "2026-03-02T10:15:04Z", FinishedAt: "2026-03-02T10:15:04Z", Interrupted: true}
	Finalize(empty, "critical")
	big := bigReport(200)
	Finalize(big, "medium")
	var sample []byte
	for name, r := range map[string]*Report{"sample+baseline": finishedSample(t), "gate": gate, "empty": empty, "big": big} {
		t.Run(name, func(t *testing.T) {
			out := render(t, SARIF{}, r)
			if err := validateJSON(t, sch, out); err != nil {
				t.Fatalf("the SARIF 2.1.0 schema rejects the output: %v", err)
			}
			if name == "sample+baseline" {
				sample = out
			}
		})
	}
	if sample == nil {
		t.Fatal("no sample output")
	}
	var doc map[string]any
	if err := json.Unmarshal(sample, &doc); err != nil {
		t.Fatal(err)
	}
	runs, _ := doc["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	results, _ := runs[0].(map[string]any)["results"].([]any)
	if len(results) == 0 {
		t.Fatal("the sample report gives no SARIF results")
	}
	results[0].(map[string]any)["level"] = "fatal"
	bad, _ := json.Marshal(doc)
	if validateJSON(t, sch, bad) == nil {
		t.Error("the schema accepts level \"fatal\": the validation does not check results")
	}
}
