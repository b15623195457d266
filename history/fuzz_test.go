package history

import (
	"bytes"
	"testing"
	"time"

	"github.com/kaudit/kaudit/report"
)

// FuzzImportedReport: whatever an archived JSON report holds (kaudit
// history import), turning it into a run and points and comparing it with
// itself never panics, and a run's ID is a function of the report.
func FuzzImportedReport(f *testing.F) {
	f.Add([]byte(`{"schema":"kaudit.report/v1","started_at":"2026-12-03T00:00:00Z","finished_at":"2026-12-03T00:01:00Z","hosts":[{"name":"a","status":"compliant","facts":{"collected_at":"2026-12-03T00:00:00Z","cgroup":{"memory_num_cgroups":5,"memory_live_dirs":9}},"results":[{"id":"x","status":"fail"}]}]}`))
	f.Add([]byte(`{"schema":"kaudit.report/v1","started_at":"bad","hosts":[{"name":"","facts":{"kernel_log":{"signatures":{"s":null}}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := report.Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		run, err := RunOf(r, SourceImport)
		if err != nil {
			return
		}
		again, _ := RunOf(r, SourceImport)
		if again.ID != run.ID {
			t.Fatalf("run ID not stable: %s, %s", run.ID, again.ID)
		}
		pts := make([]Point, len(r.Hosts))
		for i := range r.Hosts {
			pts[i] = PointOf(&r.Hosts[i], run.StartedAt)
			if p := pts[i]; p.Dying != nil && *p.Dying < 0 {
				t.Fatalf("negative dying count %d", *p.Dying)
			}
		}
		Compare(run, run, pts, pts)
		Timeline(pts)
		Input(HostSeries(pts[:len(pts)/2], Point{At: time.Now()}))
	})
}

// FuzzStoredColumns: the compact columns read back from a store (which
// another tool may have written) decode without panicking, and what kaudit
// encodes decodes to itself.
func FuzzStoredColumns(f *testing.F) {
	f.Add("kmem.a=pass;kmem.b=fail", `{"slub_alloc_fail":3}`)
	f.Add(";;=;a==b", `{"x":"y"}`)
	f.Fuzz(func(t *testing.T, checks, counts string) {
		m := decodeChecks(checks)
		decodeCounts(counts)
		clean := map[string]string{}
		for k, v := range m {
			if k != "" && !bytes.ContainsAny([]byte(k+v), ";=") {
				clean[k] = v
			}
		}
		back := decodeChecks(encodeChecks(clean))
		if len(back) != len(clean) {
			t.Fatalf("round trip %v -> %v", clean, back)
		}
		for k, v := range clean {
			if back[k] != v {
				t.Fatalf("round trip %v -> %v", clean, back)
			}
		}
	})
}
