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
