package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

func TestSARIFLevel(t *testing.T) {
	for sev, want := range map[string]string{"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"} {
		if got := sarifLevel(sev); got != want {
			t.Errorf("sarifLevel(%q) = %q, want %q", sev, got, want)
		}
	}
}

func sarifFP(t *testing.T, host, msg string) string {
	t.Helper()
	r := &Report{Hosts: []Host{{Name: host, Address: "10.0.0.1", Status: HostNoncompliant,
		Results: []policies.Result{{ID: "kmem.x", Severity: "high", Status: policies.StatusFail, Message: msg}}}}}
	var b bytes.Buffer
	if err := (SARIF{}).Render(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				Level string            `json:"level"`
				FP    map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 || len(doc.Runs[0].Results) != 1 || doc.Runs[0].Results[0].Level != "error" {
		t.Fatalf("unexpected SARIF: %s", b.String())
	}
	return doc.Runs[0].Results[0].FP[sarifFingerprintKey]
}

func TestSARIFFingerprintStable(t *testing.T) {
	a, b, c := sarifFP(t, "n1", "one"), sarifFP(t, "n1", "two"), sarifFP(t, "n2", "one")
	if a == "" || a != b {
		t.Errorf("same host×check, different message: %q vs %q", a, b)
	}
	if a == c {
		t.Errorf("different hosts share fingerprint %q", a)
	}
}

func TestSARIFWaivedUnknownUnreachable(t *testing.T) {
	r := &Report{Interrupted: true, Hosts: []Host{
		{Name: "n1", Status: HostNoncompliant, Results: []policies.Result{
			{ID: "a", Severity: "medium", Status: policies.StatusWaived, Waiver: &policies.WaiverRef{Reason: "ticket 9", OriginalStatus: policies.StatusFail}},
			{ID: "b", Severity: "high", Status: policies.StatusUnknown},
			{ID: "c", Severity: "high", Status: policies.StatusPass},
		}},
		{Name: "n2", Status: HostUnreachable, Reason: "timeout"},
	}}
	var b bytes.Buffer
	if err := (SARIF{}).Render(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Invocations []struct {
				OK    bool             `json:"executionSuccessful"`
				Notes []map[string]any `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []struct {
				RuleID       string `json:"ruleId"`
				Kind, Level  string
				Suppressions []map[string]string `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if len(run.Results) != 2 {
		t.Fatalf("want 2 results (waived fail, unknown; no pass), got %d: %s", len(run.Results), b.String())
	}
	if w := run.Results[0]; w.RuleID != "a" || w.Kind != "fail" || w.Level != "warning" || len(w.Suppressions) != 1 || w.Suppressions[0]["justification"] != "ticket 9" || w.Suppressions[0]["kind"] != "external" {
		t.Errorf("waived result: %+v", w)
	}
	if u := run.Results[1]; u.RuleID != "b" || u.Kind != "review" || u.Level != "note" {
		t.Errorf("unknown result: %+v", u)
	}
	if inv := run.Invocations[0]; inv.OK || len(inv.Notes) != 1 {
		t.Errorf("invocation: %+v", inv)
	}
}

// TestSARIFLocations: a result's physical location is the inventory file
// (code-scanning dashboards show only results with one), its logical
// locations the host by name and by address.
func TestSARIFLocations(t *testing.T) {
	for _, c := range []struct {
		inventory, address string
		uri                string // "" = no physical location
		logical            []string
	}{
		{"inventories/prod.hcl", "10.0.0.1", "inventories/prod.hcl", []string{"n1@10.0.0.1", "10.0.0.1"}},
		{"/srv/fleet/prod inv.hcl", "10.0.0.1", "file:///srv/fleet/prod%20inv.hcl", []string{"n1@10.0.0.1", "10.0.0.1"}},
		{"local", "n1", "", []string{"n1@n1"}},
		{"sosreport", "", "", []string{"n1@"}},
		{"a.hcl,b.hcl", "10.0.0.1", "", []string{"n1@10.0.0.1", "10.0.0.1"}},
	} {
		r := &Report{Inventory: c.inventory, Hosts: []Host{{Name: "n1", Address: c.address, Status: HostNoncompliant,
			Results: []policies.Result{{ID: "kmem.x", Severity: "high", Status: policies.StatusFail, Message: "m"}}}}}
		var b bytes.Buffer
		if err := (SARIF{}).Render(&b, r); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Runs []struct {
				Results []struct {
					Locations []struct {
						Physical *struct {
							Artifact struct {
								URI string `json:"uri"`
							} `json:"artifactLocation"`
						} `json:"physicalLocation"`
						Logical []struct {
							FQN  string `json:"fullyQualifiedName"`
							Kind string `json:"kind"`
						} `json:"logicalLocations"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		locs := doc.Runs[0].Results[0].Locations
		if len(locs) != 1 {
			t.Fatalf("%s: %d locations", c.inventory, len(locs))
		}
		uri := ""
		if locs[0].Physical != nil {
			uri = locs[0].Physical.Artifact.URI
		}
		if uri != c.uri {
			t.Errorf("%s: physical location %q, want %q", c.inventory, uri, c.uri)
		}
		var got []string
		for _, l := range locs[0].Logical {
			got = append(got, l.FQN)
			if l.Kind != "resource" {
				t.Errorf("%s: logical location kind %q", c.inventory, l.Kind)
			}
		}
		if !slices.Equal(got, c.logical) {
			t.Errorf("%s: logical locations %q, want %q", c.inventory, got, c.logical)
		}
	}
}
