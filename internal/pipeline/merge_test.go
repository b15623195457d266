package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory/shard"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// mergeFleet is 30 hosts: every facts fixture, in two groups whose kernels
// differ (so the fleet-wide example pack fails some hosts only when it sees
// the whole group), plus unreachable hosts.
func mergeFleet(t *testing.T) []facts.FleetHost {
	t.Helper()
	paths, err := filepath.Glob("../../testdata/facts/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no facts fixtures: %v", err)
	}
	var hosts []facts.FleetHost
	for i := range 30 {
		name := fmt.Sprintf("node-%02d.example.com", i)
		group := []string{"workers", fmt.Sprintf("rack%d", i%3)}
		if i%7 == 4 {
			hosts = append(hosts, facts.FleetHost{Name: "down-" + name, Address: "192.0.2.9", Groups: group, Reason: "connect", Error: "connection refused", DurationMS: 3})
			continue
		}
		b, err := os.ReadFile(paths[i%len(paths)])
		if err != nil {
			t.Fatal(err)
		}
		ff, err := facts.ReadFleetFacts(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, facts.FleetHost{Name: name, Address: "192.0.2.1", Groups: group, Labels: map[string]string{"i": fmt.Sprint(i)}, DurationMS: int64(i), Facts: ff.Hosts[0].Facts})
	}
	return hosts
}

// roundTrip renders r as the JSON report and reads it back, as merge reads
// the shards' files.
func roundTrip(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	rd, err := report.New("json", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rd.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	back, err := report.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func renderJSON(t *testing.T, r *report.Report) string {
	t.Helper()
	rd, err := report.New("json", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rd.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestMergeShardsEqualsOneRun: for N = 1..5 shards, evaluating each shard
// alone, writing its JSON report and merging the reports gives the JSON
// report (byte for byte, run times aside) and the exit code of one
// evaluation of the whole fleet, with and without a fleet-wide pack, at two
// --fail-on thresholds.
func TestMergeShardsEqualsOneRun(t *testing.T) {
	ctx := context.Background()
	hosts := mergeFleet(t)
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
	}
	for _, packs := range [][]string{nil, {"../../examples/policies"}} {
		eng, err := policies.New(ctx, policies.Options{Packs: packs})
		if err != nil {
			t.Fatal(err)
		}
		for _, failOn := range []string{"high", "critical"} {
			clock := func() time.Time { return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) }
			meta := Meta{ToolVersion: "test", Inventory: "fleet.hcl", FailOn: failOn, StartedAt: clock(), Now: clock}
			one := evalSaved(ctx, eng, hosts, meta, 2)
			want := renderJSON(t, one)
			shardDiffers := false
			for n := 1; n <= 5; n++ {
				var reports []*report.Report
				for k := range n {
					part := shard.Filter(shard.Spec{K: k, N: n}, hosts, func(h facts.FleetHost) string { return h.Name })
					r := evalSaved(ctx, eng, part, meta, 2)
					reports = append(reports, roundTrip(t, r))
					shardDiffers = shardDiffers || fleetResultsDiffer(one, r)
				}
				got, saved, err := merge(ctx, eng, reports, MergeOptions{Order: names})
				if err != nil {
					t.Fatalf("packs %v, N=%d: %v", packs, n, err)
				}
				if g := renderJSON(t, got); g != want {
					t.Fatalf("packs %v, fail-on %s, N=%d: merged report differs from one run's:\n%s", packs, failOn, n, firstDiff(g, want))
				}
				if a, b := report.ExitCode(got), report.ExitCode(one); a != b {
					t.Errorf("N=%d: exit %d, one run %d", n, a, b)
				}
				if len(saved) != len(hosts) {
					t.Errorf("N=%d: %d hosts' facts", n, len(saved))
				}
				for i, f := range saved {
					if f.Name != hosts[i].Name || (f.Facts == nil) != (hosts[i].Facts == nil) {
						t.Errorf("N=%d: facts %d are %s's", n, i, f.Name)
					}
				}
			}
			// The fleet pack's results must depend on the fleet, or this test
			// would not show that merge recomputes them.
			if packs != nil && !shardDiffers {
				t.Errorf("no shard's uniform.group_kernel result differs from the whole fleet's")
			}
			if one.Summary.Hosts[report.HostUnreachable] == 0 || one.Summary.Hosts[report.HostNoncompliant] == 0 {
				t.Errorf("fleet too uniform to test: %v", one.Summary.Hosts)
			}
		}
	}
}

// fleetResultsDiffer: some host of the shard report has a fleet-pack result
// other than the whole fleet's.
func fleetResultsDiffer(whole, part *report.Report) bool {
	byHost := map[string]map[string]string{}
	for _, h := range whole.Hosts {
		m := map[string]string{}
		for _, r := range h.Results {
			m[r.ID] = r.Status + r.Message
		}
		byHost[h.Name] = m
	}
	for _, h := range part.Hosts {
		for _, r := range h.Results {
			if strings.HasPrefix(r.ID, "uniform.") && byHost[h.Name][r.ID] != r.Status+r.Message {
				return true
			}
		}
	}
	return false
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-300)
	return fmt.Sprintf("merged: ...%.600s\n   one: ...%.600s", a[lo:], b[lo:])
}

// TestMergeRefuses: overlapping shards, other policies, gate reports,
// waivers without the inventory.
func TestMergeRefuses(t *testing.T) {
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := policies.New(ctx, policies.Options{Params: map[string]any{"memcg_zombies_fail": 10}})
	if err != nil {
		t.Fatal(err)
	}
	hosts := mergeFleet(t)[:6]
	meta := Meta{ToolVersion: "test", FailOn: "high"}
	a := roundTrip(t, evalSaved(ctx, eng, hosts[:3], meta, 1))
	b := roundTrip(t, evalSaved(ctx, eng, hosts[3:], meta, 1))
	waived := roundTrip(t, evalSaved(ctx, eng, hosts[3:], meta, 1))
	for i := range waived.Hosts[0].Results {
		res := &waived.Hosts[0].Results[i]
		if res.Status == policies.StatusFail {
			res.Waiver = &policies.WaiverRef{Reason: "r", Expires: "2099-01-01", OriginalStatus: res.Status}
			res.Status = policies.StatusWaived
			break
		}
	}
	gate := roundTrip(t, evalSaved(ctx, eng, hosts[3:], meta, 1))
	gate.Plan = &report.Plan{File: "p.hcl", Verdict: report.GateGo}
	otherFailOn := roundTrip(t, evalSaved(ctx, eng, hosts[3:], Meta{ToolVersion: "test", FailOn: "critical"}, 1))
	for _, tc := range []struct {
		name    string
		eng     *policies.Engine
		reports []*report.Report
		opts    MergeOptions
		want    string
	}{
		{"none", eng, nil, MergeOptions{}, "no report"},
		{"overlap", eng, []*report.Report{a, a}, MergeOptions{}, "must not overlap"},
		{"digest", other, []*report.Report{a, b}, MergeOptions{}, "same -p packs"},
		{"gate", eng, []*report.Report{a, gate}, MergeOptions{}, "gate report"},
		{"waived", eng, []*report.Report{a, waived}, MergeOptions{}, "give merge the inventory"},
		{"fail-on", eng, []*report.Report{a, otherFailOn}, MergeOptions{}, "--fail-on"},
	} {
		_, _, err := merge(ctx, tc.eng, tc.reports, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// Re-waiving: waived results go back to their original status, for the
	// caller to waive again; --fail-on given overrides the shards'.
	r, _, err := merge(ctx, eng, []*report.Report{a, waived}, MergeOptions{Rewaive: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Results[policies.StatusWaived] != 0 {
		t.Errorf("waived results left: %v", r.Summary.Results)
	}
	if r, _, err = merge(ctx, eng, []*report.Report{a, otherFailOn}, MergeOptions{FailOn: "low"}); err != nil || r.FailOn != "low" {
		t.Errorf("fail-on override: %v, %v", err, r)
	}
}
