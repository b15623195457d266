package audit

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

func TestReadFleetFacts(t *testing.T) {
	host, err := os.ReadFile("../../testdata/facts/seed003-centos78-nokmem-builds.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		hosts   int
		wantErr string
	}{
		{"fleet file", `{"schema":"kaudit.fleetfacts/v1","hosts":[{"name":"a","facts":{"schema":"kaudit.facts/v1"}},{"name":"b","reason":"timeout"}]}`, 2, ""},
		{"single host facts document", string(host), 1, ""},
		{"host without a name", `{"schema":"kaudit.fleetfacts/v1","hosts":[{"address":"x"}]}`, 0, "no name"},
		{"unknown schema", `{"schema":"kaudit.report/v1"}`, 0, "neither"},
		{"not JSON", `<html>`, 0, "read facts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff, err := ReadFleetFacts(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ff.Hosts) != tt.hosts {
				t.Fatalf("%d hosts, want %d", len(ff.Hosts), tt.hosts)
			}
		})
	}
}

// TestEvaluate: reachable hosts get one result per check, unreachable ones
// keep their reason and get none; the summary and exit code follow.
func TestEvaluate(t *testing.T) {
	data, err := os.ReadFile("../../testdata/facts/seed000-centos75-softlockup.json")
	if err != nil {
		t.Fatal(err)
	}
	ff, err := ReadFleetFacts(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hosts := []FleetHost{
		{Name: "seed000", Groups: []string{"workers"}, Facts: ff.Hosts[0].Facts},
		{Name: "gone", Reason: "hostkey", Error: "HOST KEY CHANGED"},
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r := Evaluate(ctx, eng, hosts, Meta{ToolVersion: "test", Inventory: "inv.hcl", FailOn: "high", StartedAt: now, Now: func() time.Time { return now }}, 2)
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
