package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

// TestFinishDuration: duration_ms is the measured time from StartedAt to
// the end, in milliseconds, at least 1 when measured; absent (0) when there
// is no start or the clock did not advance.
func TestFinishDuration(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 15, 4, 900_000_000, time.UTC)
	for _, tc := range []struct {
		name      string
		start     time.Time
		elapsed   time.Duration
		want      int64
		wantStart string
		wantEnd   string
	}{
		// 0.58 s across a second boundary: the timestamps say 1 s.
		{"0.58 s", t0, 580 * time.Millisecond, 580, "2026-03-02T10:15:04Z", "2026-03-02T10:15:05Z"},
		// 3.13 s: the timestamps say 4 s (04.9 → 08.03).
		{"3.13 s", t0, 3130 * time.Millisecond, 3130, "2026-03-02T10:15:04Z", "2026-03-02T10:15:08Z"},
		{"62.4 s", t0, 62400 * time.Millisecond, 62400, "2026-03-02T10:15:04Z", "2026-03-02T10:16:07Z"},
		{"under a millisecond", t0, 300 * time.Microsecond, 1, "2026-03-02T10:15:04Z", "2026-03-02T10:15:04Z"},
		{"frozen clock", t0, 0, 0, "2026-03-02T10:15:04Z", "2026-03-02T10:15:04Z"},
		{"clock went back", t0, -2 * time.Second, 0, "2026-03-02T10:15:04Z", "2026-03-02T10:15:02Z"},
		{"no start", time.Time{}, 0, 0, "", "2026-03-02T10:15:04Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end := t0.Add(tc.elapsed)
			meta := Meta{StartedAt: tc.start, FailOn: "high", Now: func() time.Time { return end }}
			r := &report.Report{Hosts: []report.Host{}}
			if !tc.start.IsZero() {
				r.StartedAt = tc.start.Format(time.RFC3339)
			}
			stamp(r, meta)
			if r.DurationMS != tc.want || r.StartedAt != tc.wantStart || r.FinishedAt != tc.wantEnd {
				t.Errorf("duration_ms %d, %s..%s; want %d, %s..%s", r.DurationMS, r.StartedAt, r.FinishedAt, tc.want, tc.wantStart, tc.wantEnd)
			}
		})
	}
}

// TestFinishDurationMonotonic: with the real clock, the duration comes from
// the monotonic reading time.Now gives StartedAt.
func TestFinishDurationMonotonic(t *testing.T) {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	r := &report.Report{Hosts: []report.Host{}}
	stamp(r, Meta{StartedAt: start, FailOn: "high"})
	if r.DurationMS < 20 {
		t.Errorf("duration_ms %d after sleeping 20 ms", r.DurationMS)
	}
}

// TestMergeDuration: the merged run's duration is the longest shard's
// (they run side by side), whatever their order; 0 when no shard has one.
func TestMergeDuration(t *testing.T) {
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hosts := mergeFleet(t)
	for _, tc := range []struct {
		name string
		ms   []int64
		want int64
	}{
		{"longest", []int64{1200, 3400, 2100}, 3400},
		{"longest first", []int64{3400, 1200}, 3400},
		{"one shard of an older kaudit", []int64{0, 1200}, 1200},
		{"all older", []int64{0, 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var shards []*report.Report
			for k, ms := range tc.ms {
				start := time.Date(2026, 3, 2, 10, 15, 4, 0, time.UTC)
				end := start.Add(time.Duration(ms) * time.Millisecond)
				meta := Meta{ToolVersion: "test", Inventory: "fleet.hcl", FailOn: "high", StartedAt: start, Now: func() time.Time { return end }}
				r := roundTrip(t, evalSaved(ctx, eng, hosts[k:k+1], meta, 1))
				if r.DurationMS != ms {
					t.Fatalf("shard %d: duration_ms %d, want %d", k, r.DurationMS, ms)
				}
				shards = append(shards, r)
			}
			got, _, err := merge(ctx, eng, shards, MergeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.DurationMS != tc.want {
				t.Errorf("merged duration_ms %d, want %d", got.DurationMS, tc.want)
			}
		})
	}
}
