package pipeline

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// TestEvaluate: reachable hosts get one result per check, unreachable ones
// keep their reason and get none; the summary and exit code follow.
func TestEvaluate(t *testing.T) {
	data, err := os.ReadFile("../../testdata/facts/seed000-centos75-softlockup.json")
	if err != nil {
		t.Fatal(err)
	}
	ff, err := facts.ReadFleetFacts(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hosts := []facts.FleetHost{
		{Name: "seed000", Groups: []string{"workers"}, Facts: ff.Hosts[0].Facts},
		{Name: "gone", Reason: "hostkey", Error: "HOST KEY CHANGED"},
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r := evalSaved(ctx, eng, hosts, Meta{ToolVersion: "test", Inventory: "inv.hcl", FailOn: "high", StartedAt: now, Now: func() time.Time { return now }}, 2)
	if r.Schema != report.Schema || r.PolicyDigest == "" || r.StartedAt != "2026-11-23T12:00:00Z" {
		t.Errorf("metadata: %+v", r)
	}
	if got := r.Hosts[0]; got.Status != report.HostNoncompliant || len(got.Results) != len(eng.Checks()) {
		t.Errorf("seed000: status %s with %d results", got.Status, len(got.Results))
	}
	if got := r.Hosts[1]; got.Status != report.HostUnreachable || got.Reason != "hostkey" || len(got.Results) != 0 {
		t.Errorf("gone: %+v", got)
	}
	if r.Summary.Hosts[report.HostUnreachable] != 1 || r.Summary.Failing["kmem.risk"] != 1 {
		t.Errorf("summary: %+v", r.Summary)
	}
	if report.ExitCode(r) != 1 {
		t.Errorf("exit code %d, want 1", report.ExitCode(r))
	}
}
