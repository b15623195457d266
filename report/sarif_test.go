package report

import (
	"bytes"
	"encoding/json"
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
