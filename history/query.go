package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const runColumns = `id, started_at, finished_at, inventory, policy_digest, tool_version, fail_on, source, interrupted, hosts, noncompliant, unreachable`

const pointColumns = `run_id, host, at, status, reason, num_cgroups, live_dirs, dying, sunreclaim_kb, memtotal_kb, slab_caches,
	kernel_release, kernel_family, boot_id, runc, kubelet, docker, log_signatures, checks`

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (Run, error) {
	var r Run
	var started, finished int64
	var interrupted int
	if err := sc.Scan(&r.ID, &started, &finished, &r.Inventory, &r.PolicyDigest, &r.ToolVersion, &r.FailOn, &r.Source,
		&interrupted, &r.Hosts, &r.Noncompliant, &r.Unreachable); err != nil {
		return Run{}, err
	}
	r.StartedAt, r.FinishedAt = time.Unix(started, 0).UTC(), time.Unix(finished, 0).UTC()
	r.Interrupted = interrupted != 0
	return r, nil
}

func scanPoint(sc scanner) (Point, error) {
	var p Point
	var at int64
	var num, live, dying, sunr, memt, slab sql.NullInt64
	var sigs, checks string
	if err := sc.Scan(&p.RunID, &p.Host, &at, &p.Status, &p.Reason, &num, &live, &dying, &sunr, &memt, &slab,
		&p.KernelRelease, &p.KernelFamily, &p.BootID, &p.Runc, &p.Kubelet, &p.Docker, &sigs, &checks); err != nil {
		return Point{}, err
	}
	p.At = time.Unix(at, 0).UTC()
	p.NumCgroups, p.LiveDirs, p.Dying = nullp(num), nullp(live), nullp(dying)
	p.SUnreclaimKB, p.MemTotalKB, p.SlabCaches = nullp(sunr), nullp(memt), nullp(slab)
	p.LogSignatures, p.Checks = decodeCounts(sigs), decodeChecks(checks)
	return p, nil
}

func nullp(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// Runs lists the newest limit runs (0: all), newest first.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	query := `SELECT ` + runColumns + ` FROM runs ORDER BY started_at DESC, recorded_at DESC, id DESC`
	var args []any
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.fail("list runs", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.fail("list runs", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list runs", err)
	}
	return out, nil
}

// ErrNoRun is wrapped when a run reference matches nothing.
var ErrNoRun = errors.New("no such run")

// FindRun resolves a run reference: a run ID or a unique prefix of one,
// "latest", or "latest~N" (the Nth run before the latest).
func (s *Store) FindRun(ctx context.Context, ref string) (Run, error) {
	ref = strings.TrimSpace(ref)
	if n, ok := latestOffset(ref); ok {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+runColumns+` FROM runs ORDER BY started_at DESC, recorded_at DESC, id DESC LIMIT 1 OFFSET ?`), n)
		if err != nil {
			return Run{}, s.fail("find run "+ref, err)
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return Run{}, s.fail("find run "+ref, err)
			}
			return Run{}, s.fail("find run "+ref, fmt.Errorf("%w: the store has %d run(s) or fewer", ErrNoRun, n))
		}
		r, err := scanRun(rows)
		if err != nil {
			return Run{}, s.fail("find run "+ref, err)
		}
		return r, nil
	}
	if ref == "" || strings.ContainsAny(ref, "%_") {
		return Run{}, s.fail("find run", fmt.Errorf("%w: %q is not a run ID", ErrNoRun, ref))
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE id LIKE ? ORDER BY started_at DESC LIMIT 2`), strings.ToLower(ref)+"%")
	if err != nil {
		return Run{}, s.fail("find run "+ref, err)
	}
	defer rows.Close()
	var found []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return Run{}, s.fail("find run "+ref, err)
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return Run{}, s.fail("find run "+ref, err)
	}
	switch len(found) {
	case 0:
		return Run{}, s.fail("find run", fmt.Errorf("%w: %q (kaudit history runs lists them)", ErrNoRun, ref))
	case 1:
		return found[0], nil
	}
	return Run{}, s.fail("find run", fmt.Errorf("run ID prefix %q is ambiguous (%s, %s, ...)", ref, found[0].ID, found[1].ID))
}

func latestOffset(ref string) (int, bool) {
	if ref == "latest" {
		return 0, true
	}
	rest, ok := strings.CutPrefix(ref, "latest~")
	if !ok {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(rest, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != rest {
		return 0, false
	}
	return n, true
}

// RunPoints returns every host of a run, by host name.
func (s *Store) RunPoints(ctx context.Context, runID string) ([]Point, error) {
	return s.points(ctx, "run "+runID, `SELECT `+pointColumns+` FROM host_runs WHERE run_id = ? ORDER BY host`, runID)
}

// HostPoints returns a host's points from since on (zero: all), oldest first.
func (s *Store) HostPoints(ctx context.Context, host string, since time.Time) ([]Point, error) {
	return s.points(ctx, fmt.Sprintf("read host %q", host), `SELECT `+pointColumns+` FROM host_runs WHERE host = ? AND at >= ? ORDER BY at, run_id`, host, unixOrMin(since))
}

// Series returns the points of every host from since on, oldest first per
// host: what the forecast of a run is computed from.
// Only the columns a forecast reads are loaded: status, time, counters,
// kernel and boot id.
func (s *Store) Series(ctx context.Context, since time.Time) (map[string][]Point, error) {
	const op = "read the recent history"
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT host, at, status, num_cgroups, live_dirs, dying, sunreclaim_kb, memtotal_kb, slab_caches, kernel_release, boot_id
		FROM host_runs WHERE at >= ? ORDER BY host, at, run_id`), unixOrMin(since))
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := map[string][]Point{}
	var (
		host, last string
		at         int64
		num, live  sql.NullInt64
		dying      sql.NullInt64
		sunr, memt sql.NullInt64
		slab       sql.NullInt64
	)
	for rows.Next() {
		var p Point
		if err := rows.Scan(&host, &at, &p.Status, &num, &live, &dying, &sunr, &memt, &slab, &p.KernelRelease, &p.BootID); err != nil {
			return nil, s.fail(op, err)
		}
		if host != last { // one string per host, not per row
			last = host
		}
		p.Host, p.At = last, time.Unix(at, 0).UTC()
		p.NumCgroups, p.LiveDirs, p.Dying = nullp(num), nullp(live), nullp(dying)
		p.SUnreclaimKB, p.MemTotalKB, p.SlabCaches = nullp(sunr), nullp(memt), nullp(slab)
		out[p.Host] = append(out[p.Host], p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

func unixOrMin(t time.Time) int64 {
	if t.IsZero() {
		return -1 << 62
	}
	return t.Unix()
}

func (s *Store) points(ctx context.Context, op, query string, args ...any) ([]Point, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		p, err := scanPoint(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// Prune deletes the runs that started before cutoff with their hosts and
// returns how many runs it deleted.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.fail("prune", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM host_runs WHERE run_id IN (SELECT id FROM runs WHERE started_at < ?)`), cutoff.Unix()); err != nil {
		return 0, s.fail("prune", err)
	}
	res, err := tx.ExecContext(ctx, s.q(`DELETE FROM runs WHERE started_at < ?`), cutoff.Unix())
	if err != nil {
		return 0, s.fail("prune", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail("prune", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.fail("prune", err)
	}
	return int(n), nil
}
