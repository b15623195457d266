package history

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kaudit/kaudit/report"
)

var benchChecks = map[string]string{
	"kmem.kernel": "fail", "kmem.accounting": "pass", "kmem.nokmem_boot": "pass", "kmem.boot_drift": "pass",
	"kmem.memcg_disabled": "pass", "kmem.runc": "pass", "kmem.kubelet": "pass", "kmem.memcg_headroom": "pass",
	"kmem.memcg_zombies": "pass", "kmem.kernel_log": "pass", "kmem.slab_pressure": "pass", "kmem.fragmentation": "pass",
	"kmem.risk": "pass", "kmem.memcg_forecast": "pass",
}

func benchReport(hosts int, at time.Time, day int) *report.Report {
	hs := make([]report.Host, hosts)
	for i := range hs {
		hs[i] = testHost(fmt.Sprintf("node-%04d", i), 4000+day*10+i%100, 300, "3.10.0-1160.el7.x86_64", "1.0.0-rc10", benchChecks)
		hs[i].Facts.CollectedAt = at.UTC().Format(time.RFC3339)
	}
	return testReport(at, hs...)
}

// BenchmarkRecord2000Hosts is what --history adds to a run of 2,000 hosts:
// recording it (one transaction, 2,000 rows) into a store that already
// holds 30 nightly runs.
func BenchmarkRecord2000Hosts(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	for d := range 30 {
		if _, _, err := s.Record(ctx, benchReport(2000, t0.Add(time.Duration(d)*24*time.Hour), d), SourceRun); err != nil {
			b.Fatal(err)
		}
	}
	reports := make([]*report.Report, 0, 64)
	for d := range cap(reports) {
		reports = append(reports, benchReport(2000, t0.Add(time.Duration(30+d)*24*time.Hour), 30+d))
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		if i == len(reports) {
			b.StopTimer()
			s.Prune(ctx, t0.Add(30*24*time.Hour)) // keep the store at 30 runs
			for d := range reports {
				reports[d] = benchReport(2000, t0.Add(time.Duration(30+i+d)*24*time.Hour), 30+i+d)
			}
			i = 0
			b.StartTimer()
		}
		if _, added, err := s.Record(ctx, reports[i], SourceRun); err != nil || !added {
			b.Fatal(err, added)
		}
		i++
	}
}

// BenchmarkBeginAndForecast2000Hosts is the other cost of --history: reading
// the 30-day window of 2,000 hosts before the evaluation and building every
// host's input.history.
func BenchmarkBeginAndForecast2000Hosts(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "h.db")
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	for d := range 30 {
		if _, _, err := s.Record(ctx, benchReport(2000, t0.Add(time.Duration(d)*24*time.Hour), d), SourceRun); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	now := t0.Add(30 * 24 * time.Hour)
	cur := benchReport(2000, now, 30)
	b.ResetTimer()
	for b.Loop() {
		sess := Begin(ctx, path, now)
		if sess.Err() != nil {
			b.Fatal(sess.Err())
		}
		for i := range cur.Hosts {
			if in := sess.Input(cur.Hosts[i].Name, cur.Hosts[i].Facts, now); in["runs"] != 31 {
				b.Fatalf("runs = %v", in["runs"])
			}
		}
		sess.Close()
	}
}

// BenchmarkHostTimeline365x2000 is kaudit history host NAME on a store of
// 365 nightly runs of 2,000 hosts (730,000 host rows).
func BenchmarkHostTimeline365x2000(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	for d := range 365 {
		r := benchReport(2000, t0.Add(time.Duration(d)*24*time.Hour), d)
		run, _ := RunOf(r, SourceRun)
		points := make([]Point, len(r.Hosts))
		for i := range r.Hosts {
			points[i] = PointOf(&r.Hosts[i], run.StartedAt)
		}
		if _, err := s.RecordPoints(ctx, run, points); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		pts, err := s.HostPoints(ctx, "node-1234", time.Time{})
		if err != nil || len(pts) != 365 {
			b.Fatal(len(pts), err)
		}
		tl := Timeline(pts)
		if _, ok := FitCounter(pts, func(p *Point) *int64 { return p.NumCgroups }); !ok || len(tl) != 365 {
			b.Fatal("no fit")
		}
	}
}
