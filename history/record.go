package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// Sources of a run.
const (
	SourceRun    = "run"    // recorded by kaudit run / eval / gate --history
	SourceImport = "import" // kaudit history import REPORT.json
)

// Run is one recorded run.
type Run struct {
	ID           string    `json:"id"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	Inventory    string    `json:"inventory"`
	PolicyDigest string    `json:"policy_digest"`
	ToolVersion  string    `json:"tool_version"`
	FailOn       string    `json:"fail_on"`
	Source       string    `json:"source"`
	Interrupted  bool      `json:"interrupted"`
	Hosts        int       `json:"hosts"`
	Noncompliant int       `json:"noncompliant"`
	Unreachable  int       `json:"unreachable"`
}

// Point is one host in one run: its status and counters. Nil counters were
// not collected.
type Point struct {
	RunID         string            `json:"run"`
	Host          string            `json:"host,omitempty"`
	At            time.Time         `json:"at"`
	Status        string            `json:"status"`
	Reason        string            `json:"reason,omitempty"`
	NumCgroups    *int64            `json:"num_cgroups"`
	LiveDirs      *int64            `json:"live_dirs"`
	Dying         *int64            `json:"dying"`
	SUnreclaimKB  *int64            `json:"sunreclaim_kb"`
	MemTotalKB    *int64            `json:"memtotal_kb"`
	SlabCaches    *int64            `json:"slab_caches"`
	KernelRelease string            `json:"kernel_release,omitempty"`
	KernelFamily  string            `json:"kernel_family,omitempty"`
	BootID        string            `json:"boot_id,omitempty"`
	Runc          string            `json:"runc,omitempty"`
	Kubelet       string            `json:"kubelet,omitempty"`
	Docker        string            `json:"docker,omitempty"`
	LogSignatures map[string]int    `json:"log_signatures,omitempty"`
	Checks        map[string]string `json:"checks,omitempty"` // check id → status
}

// PointOf is the history point of one report host recorded at (the run's
// start unless the facts carry their own collection time).
func PointOf(h *report.Host, at time.Time) Point {
	p := Point{Host: h.Name, At: at.UTC().Truncate(time.Second), Status: h.Status, Reason: h.Reason}
	if h.Facts != nil {
		FillCounters(&p, h.Facts)
	}
	if len(h.Results) > 0 {
		p.Checks = make(map[string]string, len(h.Results))
		for _, r := range h.Results {
			p.Checks[r.ID] = r.Status
		}
	}
	return p
}

// FillCounters copies the counters of f into p (the collection time too,
// when f has one).
func FillCounters(p *Point, f *facts.Facts) {
	if t, err := time.Parse(time.RFC3339, f.CollectedAt); err == nil {
		p.At = t.UTC().Truncate(time.Second)
	}
	p.NumCgroups = intp(f.Cgroup.MemoryNumCgroups)
	p.LiveDirs = intp(f.Cgroup.MemoryLiveDirs)
	if p.NumCgroups != nil && p.LiveDirs != nil {
		d := max(*p.NumCgroups-*p.LiveDirs, 0)
		p.Dying = &d
	}
	if v, ok := f.Memory.Meminfo["SUnreclaim"]; ok {
		p.SUnreclaimKB = &v
	}
	if v, ok := f.Memory.Meminfo["MemTotal"]; ok {
		p.MemTotalKB = &v
	}
	p.SlabCaches = intp(f.Kmem.SlabEntries)
	p.KernelRelease = f.Kernel.Release
	p.KernelFamily = f.Kernel.Family
	var runc []string
	for _, b := range f.Runtimes.Runc {
		if b.Version != "" {
			runc = append(runc, b.Version)
		}
	}
	slices.Sort(runc)
	p.Runc = strings.Join(slices.Compact(runc), ",")
	if b := f.Runtimes.Kubelet; b != nil {
		p.Kubelet = b.Version
	}
	if b := f.Runtimes.Docker; b != nil {
		p.Docker = b.Version
	}
	if len(f.KernelLog.Signatures) > 0 {
		p.LogSignatures = make(map[string]int, len(f.KernelLog.Signatures))
		for id, s := range f.KernelLog.Signatures {
			if s != nil {
				p.LogSignatures[id] = s.Count
			}
		}
	}
}

func deref(v *int) int {
	if v == nil {
		return -1
	}
	return *v
}

func intp(v *int) *int64 {
	if v == nil {
		return nil
	}
	n := int64(*v)
	return &n
}

// RunOf is the run metadata of a report; its ID is a digest of the report's
// identity (times, inventory, policy digest, hosts and their statuses), so
// recording a run and later importing its JSON report is one run.
func RunOf(r *report.Report, source string) (Run, error) {
	started, err := time.Parse(time.RFC3339, r.StartedAt)
	if err != nil {
		return Run{}, fmt.Errorf("report started_at %q: %w", r.StartedAt, err)
	}
	finished, err := time.Parse(time.RFC3339, r.FinishedAt)
	if err != nil {
		finished = started
	}
	run := Run{
		StartedAt:    started.UTC(),
		FinishedAt:   finished.UTC(),
		Inventory:    r.Inventory,
		PolicyDigest: r.PolicyDigest,
		ToolVersion:  r.ToolVersion,
		FailOn:       r.FailOn,
		Source:       source,
		Interrupted:  r.Interrupted,
		Hosts:        len(r.Hosts),
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", r.StartedAt, r.FinishedAt, r.Inventory, r.PolicyDigest)
	for _, host := range r.Hosts {
		// the host's identity in this run: status, the facts' time and
		// counters, and its check statuses (two evaluations within one
		// second of different facts are two runs)
		fmt.Fprintf(h, "%s\x00%s\x00", host.Name, host.Status)
		if f := host.Facts; f != nil {
			fmt.Fprintf(h, "%s\x00%v\x00%v\x00%v\x00", f.CollectedAt, deref(f.Cgroup.MemoryNumCgroups), deref(f.Cgroup.MemoryLiveDirs), f.Memory.Meminfo["SUnreclaim"])
		}
		for _, res := range host.Results {
			fmt.Fprintf(h, "%s=%s\x00", res.ID, res.Status)
		}
		switch host.Status {
		case report.HostNoncompliant:
			run.Noncompliant++
		case report.HostUnreachable:
			run.Unreachable++
		}
	}
	run.ID = hex.EncodeToString(h.Sum(nil))[:12]
	return run, nil
}

// Record stores a report's run. It returns the run and whether it was new:
// recording a run already stored (same ID) changes nothing.
func (s *Store) Record(ctx context.Context, r *report.Report, source string) (Run, bool, error) {
	run, err := RunOf(r, source)
	if err != nil {
		return Run{}, false, s.fail("record", err)
	}
	points := make([]Point, len(r.Hosts))
	for i := range r.Hosts {
		points[i] = PointOf(&r.Hosts[i], run.StartedAt)
	}
	added, err := s.RecordPoints(ctx, run, points)
	return run, added, err
}

// RecordPoints stores run and its hosts in one transaction; false when a run
// with run.ID is already stored (nothing is changed).
func (s *Store) RecordPoints(ctx context.Context, run Run, points []Point) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, s.fail("record run "+run.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO runs (id, started_at, finished_at, inventory, policy_digest, tool_version, fail_on, source, interrupted, hosts, noncompliant, unreachable, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		run.ID, run.StartedAt.Unix(), run.FinishedAt.Unix(), run.Inventory, run.PolicyDigest, run.ToolVersion, run.FailOn,
		run.Source, boolInt(run.Interrupted), run.Hosts, run.Noncompliant, run.Unreachable, time.Now().UnixNano())
	if err != nil {
		return false, s.fail("record run "+run.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, s.fail("record run "+run.ID, err)
	} else if n == 0 {
		return false, nil
	}
	stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO host_runs (run_id, host, at, status, reason, num_cgroups, live_dirs, dying, sunreclaim_kb, memtotal_kb, slab_caches,
		kernel_release, kernel_family, boot_id, runc, kubelet, docker, log_signatures, checks)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return false, s.fail("record run "+run.ID, err)
	}
	defer stmt.Close()
	for _, p := range points {
		if _, err := stmt.ExecContext(ctx, run.ID, p.Host, p.At.Unix(), p.Status, p.Reason,
			p.NumCgroups, p.LiveDirs, p.Dying, p.SUnreclaimKB, p.MemTotalKB, p.SlabCaches,
			p.KernelRelease, p.KernelFamily, p.BootID, p.Runc, p.Kubelet, p.Docker,
			encodeCounts(p.LogSignatures), encodeChecks(p.Checks)); err != nil {
			return false, s.fail(fmt.Sprintf("record host %q of run %s", p.Host, run.ID), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, s.fail("record run "+run.ID, err)
	}
	return true, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// encodeChecks is the compact form of a host's check statuses:
// "id=status;id=status", sorted by id. One column instead of a row per
// check keeps a run of 2,000 hosts at 2,000 rows.
func encodeChecks(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
	}
	return b.String()
}

func decodeChecks(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := map[string]string{}
	for kv := range strings.SplitSeq(s, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func encodeCounts(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m) // map[string]int always marshals; keys sorted
	return string(b)
}

func decodeCounts(s string) map[string]int {
	if s == "" {
		return nil
	}
	var m map[string]int
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}
