package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/pgtest"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// The PostgreSQL server of this package's tests (nil: none could start,
// and the PostgreSQL variants skip, or fail under CI=true).
var (
	pgServer *pgtest.Server
	pgErr    error
	pgSeq    atomic.Int64
)

func TestMain(m *testing.M) {
	if os.Getenv("KAUDIT_HISTORY_WRITER") != "" {
		os.Exit(writerProcess())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	pgServer, pgErr = pgtest.Start(ctx)
	cancel()
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

// engines runs f on a fresh SQLite file and a fresh PostgreSQL database.
func engines(t *testing.T, f func(t *testing.T, target string)) {
	t.Run(EngineSQLite, func(t *testing.T) {
		f(t, filepath.Join(t.TempDir(), "history.db"))
	})
	t.Run(EnginePostgres, func(t *testing.T) {
		f(t, pgDatabase(t))
	})
}

func pgDatabase(t *testing.T) string {
	t.Helper()
	if pgServer == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL test server did not start (CI=true needs it): %v", pgErr)
		}
		t.Skipf("PostgreSQL test server did not start: %v", pgErr)
	}
	url, err := pgServer.CreateDB(context.Background(), fmt.Sprintf("kaudit_%d_%d", os.Getpid(), pgSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

func openT(t *testing.T, target string) *Store {
	t.Helper()
	s, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ip(n int) *int { return &n }

// testHost is a reachable host with the counters that are recorded.
func testHost(name string, num, live int, kernel, runc string, checks map[string]string) report.Host {
	f := &facts.Facts{Schema: facts.Schema, Host: name}
	f.Cgroup.MemoryNumCgroups, f.Cgroup.MemoryLiveDirs = ip(num), ip(live)
	f.Memory.Meminfo = map[string]int64{"SUnreclaim": 400000, "MemTotal": 16000000}
	f.Kmem.SlabEntries = ip(900)
	f.Kernel.Release, f.Kernel.Family = kernel, "rhel7"
	f.Runtimes.Runc = []facts.Binary{{Name: "runc", Version: runc}}
	f.Runtimes.Kubelet = &facts.Binary{Name: "kubelet", Version: "v1.15.5"}
	f.KernelLog.Signatures = map[string]*facts.Signature{"cgroup_enospc": {Count: 3}}
	h := report.Host{Name: name, Address: name, Status: report.HostCompliant, Facts: f}
	for id, st := range checks {
		h.Results = append(h.Results, policies.Result{ID: id, Status: st})
		if st == "fail" {
			h.Status = report.HostNoncompliant
		}
	}
	return h
}

func testReport(at time.Time, hosts ...report.Host) *report.Report {
	return &report.Report{
		Schema: report.Schema, ToolVersion: "test", Inventory: "fleet.hcl", PolicyDigest: "sha256:abc", FailOn: "high",
		StartedAt: at.UTC().Format(time.RFC3339), FinishedAt: at.Add(time.Minute).UTC().Format(time.RFC3339),
		Hosts: hosts,
	}
}

func TestRecordQueryAndIdempotence(t *testing.T) {
	engines(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := openT(t, target)
		t0 := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		r1 := testReport(t0,
			testHost("n1", 48120, 120, "3.10.0-862.el7.x86_64", "1.0.0-rc2", map[string]string{"kmem.accounting": "fail", "kmem.kernel": "pass"}),
			report.Host{Name: "n2", Address: "n2", Status: report.HostUnreachable, Reason: "timeout"})
		run, added, err := s.Record(ctx, r1, SourceRun)
		if err != nil || !added {
			t.Fatalf("Record: added=%v err=%v", added, err)
		}
		// the same report again (e.g. imported from its JSON): nothing changes
		if _, added, err := s.Record(ctx, r1, SourceImport); err != nil || added {
			t.Fatalf("second Record: added=%v err=%v, want false, nil", added, err)
		}
		runs, err := s.Runs(ctx, 0)
		if err != nil || len(runs) != 1 {
			t.Fatalf("Runs = %v, %v; want 1 run", runs, err)
		}
		got := runs[0]
		if got.ID != run.ID || got.Hosts != 2 || got.Noncompliant != 1 || got.Unreachable != 1 || got.Source != SourceRun || !got.StartedAt.Equal(t0) {
			t.Errorf("run = %+v", got)
		}
		pts, err := s.RunPoints(ctx, run.ID)
		if err != nil || len(pts) != 2 {
			t.Fatalf("RunPoints = %v, %v", pts, err)
		}
		p := pts[0]
		if p.Host != "n1" || *p.NumCgroups != 48120 || *p.LiveDirs != 120 || *p.Dying != 48000 || *p.SUnreclaimKB != 400000 ||
			*p.MemTotalKB != 16000000 || *p.SlabCaches != 900 || p.KernelRelease != "3.10.0-862.el7.x86_64" ||
			p.Runc != "1.0.0-rc2" || p.Kubelet != "v1.15.5" || p.LogSignatures["cgroup_enospc"] != 3 || p.Checks["kmem.accounting"] != "fail" {
			t.Errorf("point n1 = %+v", p)
		}
		if q := pts[1]; q.Host != "n2" || q.Status != report.HostUnreachable || q.Reason != "timeout" || q.NumCgroups != nil || q.Checks != nil {
			t.Errorf("point n2 = %+v", q)
		}
		// a second run a day later, with a fix and a runc upgrade
		r2 := testReport(t0.Add(24*time.Hour),
			testHost("n1", 50000, 130, "3.10.0-862.el7.x86_64", "1.0.0-rc94", map[string]string{"kmem.accounting": "pass", "kmem.kernel": "fail"}),
			testHost("n3", 10, 10, "5.10.0", "1.1.0", nil))
		run2, _, err := s.Record(ctx, r2, SourceRun)
		if err != nil {
			t.Fatal(err)
		}
		latest, err := s.FindRun(ctx, "latest")
		if err != nil || latest.ID != run2.ID {
			t.Fatalf("FindRun(latest) = %v, %v", latest.ID, err)
		}
		prev, err := s.FindRun(ctx, "latest~1")
		if err != nil || prev.ID != run.ID {
			t.Fatalf("FindRun(latest~1) = %v, %v", prev.ID, err)
		}
		if byPrefix, err := s.FindRun(ctx, run.ID[:6]); err != nil || byPrefix.ID != run.ID {
			t.Fatalf("FindRun(prefix) = %v, %v", byPrefix.ID, err)
		}
		if _, err := s.FindRun(ctx, "zzzz"); !errors.Is(err, ErrNoRun) {
			t.Errorf("FindRun(zzzz) err = %v, want ErrNoRun", err)
		}
		hp, err := s.HostPoints(ctx, "n1", time.Time{})
		if err != nil || len(hp) != 2 || *hp[1].NumCgroups != 50000 {
			t.Fatalf("HostPoints = %v, %v", hp, err)
		}
		series, err := s.Series(ctx, t0.Add(time.Hour))
		if err != nil || len(series["n1"]) != 1 || len(series["n3"]) != 1 || len(series["n2"]) != 0 {
			t.Fatalf("Series = %v, %v", series, err)
		}
		pb, _ := s.RunPoints(ctx, run2.ID)
		d := Compare(run, run2, pts, pb)
		if len(d.NewFailures) != 1 || d.NewFailures[0].Check != "kmem.kernel" || len(d.Fixed) != 1 || d.Fixed[0].Check != "kmem.accounting" ||
			strings.Join(d.HostsAdded, ",") != "n3" || strings.Join(d.HostsGone, ",") != "n2" {
			t.Errorf("diff = %+v", d)
		}
		var runcChange bool
		for _, c := range d.Changes {
			runcChange = runcChange || (c.Field == "runc" && c.Was == "1.0.0-rc2" && c.Now == "1.0.0-rc94")
		}
		if !runcChange {
			t.Errorf("diff changes = %+v, want the runc upgrade", d.Changes)
		}
		// prune the first run only
		n, err := s.Prune(ctx, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("Prune = %d, %v", n, err)
		}
		if hp, _ := s.HostPoints(ctx, "n1", time.Time{}); len(hp) != 1 {
			t.Errorf("after prune n1 has %d points, want 1", len(hp))
		}
	})
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	engines(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := openT(t, target)
		if _, err := s.db.ExecContext(ctx, `UPDATE kaudit_schema SET version = 99`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := Open(ctx, target)
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
		}
		msg := err.Error()
		for _, want := range []string{"schema version 99", fmt.Sprintf("knows up to %d", SchemaVersion), "upgrade kaudit"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q lacks %q", msg, want)
			}
		}
		if strings.Contains(target, "postgres://") {
			if !strings.Contains(msg, "postgres://kaudit@127.0.0.1") {
				t.Errorf("error %q does not name the store", msg)
			}
		} else if !strings.Contains(msg, target) {
			t.Errorf("error %q does not name the store %s", msg, target)
		}
	})
}

func TestReopenKeepsData(t *testing.T) {
	engines(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := openT(t, target)
		if _, _, err := s.Record(ctx, testReport(time.Unix(1e9, 0), testHost("a", 1, 1, "k", "r", nil)), SourceRun); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s2 := openT(t, target)
		if v, err := s2.Version(ctx); err != nil || v != SchemaVersion {
			t.Errorf("Version = %d, %v", v, err)
		}
		if runs, err := s2.Runs(ctx, 0); err != nil || len(runs) != 1 {
			t.Errorf("Runs after reopen = %v, %v", runs, err)
		}
	})
}

func TestCorruptSQLiteNamesTheStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	if err == nil {
		t.Fatal("Open of a corrupt file succeeded")
	}
	var he *Error
	if !errors.As(err, &he) || he.Store != path || !strings.Contains(err.Error(), "history store "+path) {
		t.Errorf("err = %v, want an *Error naming %s", err, path)
	}
	if !strings.Contains(err.Error(), "not a database") {
		t.Errorf("err = %v, want SQLite's 'not a database'", err)
	}
}

func TestUnreachablePostgresNamesTheStoreWithoutPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://kaudit:s3cret@127.0.0.1:1/history?sslmode=disable")
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error prints the password: %s", msg)
	}
	if !strings.Contains(msg, "history store postgres://kaudit:xxxxx@127.0.0.1:1/history") || !strings.Contains(msg, "connect") {
		t.Errorf("error %q does not name the store and the operation", msg)
	}
}

// writerProcess is the body of the child processes of
// TestTwoProcessesWriteOneSQLiteFile: record KAUDIT_HISTORY_RUNS runs.
func writerProcess() int {
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv("KAUDIT_HISTORY_WRITER"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	var n int
	fmt.Sscan(os.Getenv("KAUDIT_HISTORY_RUNS"), &n)
	base := time.Unix(1_700_000_000, 0)
	tag := os.Getenv("KAUDIT_HISTORY_TAG")
	for i := range n {
		hosts := make([]report.Host, 50)
		for k := range hosts {
			hosts[k] = testHost(fmt.Sprintf("%s-%02d", tag, k), 1000+i, 100, "k", "r", map[string]string{"kmem.kernel": "pass"})
		}
		r := testReport(base.Add(time.Duration(i)*time.Hour), hosts...)
		r.Inventory = tag
		if _, _, err := s.Record(ctx, r, SourceRun); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func TestTwoProcessesWriteOneSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	const runs = 15
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([][]byte, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "KAUDIT_HISTORY_WRITER="+path, fmt.Sprintf("KAUDIT_HISTORY_RUNS=%d", runs), fmt.Sprintf("KAUDIT_HISTORY_TAG=w%d", i))
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v: %s", i, errs[i], outs[i])
		}
	}
	s := openT(t, path)
	ctx := context.Background()
	got, err := s.Runs(ctx, 0)
	if err != nil || len(got) != 2*runs {
		t.Fatalf("Runs = %d, %v; want %d", len(got), err, 2*runs)
	}
	var check string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM host_runs`).Scan(&rows); err != nil || rows != 2*runs*50 {
		t.Fatalf("host_runs = %d, %v; want %d", rows, err, 2*runs*50)
	}
}

func TestConcurrentWritersPostgres(t *testing.T) {
	target := pgDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range 4 {
		wg.Go(func() {
			s, err := Open(ctx, target) // concurrent migrations serialise too
			if err != nil {
				errs[w] = err
				return
			}
			defer s.Close()
			for i := range 5 {
				r := testReport(time.Unix(1e9+int64(i)*3600, 0), testHost(fmt.Sprintf("w%d", w), i, 1, "k", "r", nil))
				r.Inventory = fmt.Sprint(w)
				if _, _, err := s.Record(ctx, r, SourceRun); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openT(t, target)
	if runs, err := s.Runs(ctx, 0); err != nil || len(runs) != 20 {
		t.Fatalf("Runs = %d, %v; want 20", len(runs), err)
	}
}

type codeErr int

func (e codeErr) Error() string { return fmt.Sprintf("sqlite code %d", int(e)) }
func (e codeErr) Code() int     { return int(e) }

func TestSQLiteBusy(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{codeErr(5), true},
		{fmt.Errorf("open: %w", codeErr(5|2<<8)), true}, // SQLITE_BUSY_SNAPSHOT
		{codeErr(6), false},                             // SQLITE_LOCKED
		{codeErr(517), true},
		{errors.New("database is locked"), false},
	} {
		if got := sqliteBusy(tc.err); got != tc.want {
			t.Errorf("sqliteBusy(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
