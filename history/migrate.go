package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema's versions, in order: migrations[i] takes the
// store from version i to i+1. Append only; never edit a released one. The
// SQL is the same for SQLite and PostgreSQL (times are Unix seconds,
// identifiers are text).
var migrations = [][]string{
	{ // 1: runs, hosts per run with their counters and check statuses
		`CREATE TABLE runs (
			id TEXT PRIMARY KEY,
			started_at BIGINT NOT NULL,
			finished_at BIGINT NOT NULL,
			inventory TEXT NOT NULL,
			policy_digest TEXT NOT NULL,
			tool_version TEXT NOT NULL,
			fail_on TEXT NOT NULL,
			source TEXT NOT NULL,
			interrupted INTEGER NOT NULL,
			hosts INTEGER NOT NULL,
			noncompliant INTEGER NOT NULL,
			unreachable INTEGER NOT NULL,
			recorded_at BIGINT NOT NULL -- Unix nanoseconds: orders runs of one second
		)`,
		`CREATE INDEX runs_started ON runs (started_at)`,
		`CREATE TABLE host_runs (
			run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			host TEXT NOT NULL,
			at BIGINT NOT NULL,
			status TEXT NOT NULL,
			reason TEXT NOT NULL,
			num_cgroups BIGINT,
			live_dirs BIGINT,
			dying BIGINT,
			sunreclaim_kb BIGINT,
			memtotal_kb BIGINT,
			slab_caches BIGINT,
			kernel_release TEXT NOT NULL,
			kernel_family TEXT NOT NULL,
			boot_id TEXT NOT NULL,
			runc TEXT NOT NULL,
			kubelet TEXT NOT NULL,
			docker TEXT NOT NULL,
			log_signatures TEXT NOT NULL,
			checks TEXT NOT NULL,
			PRIMARY KEY (run_id, host)
		)`,
		`CREATE INDEX host_runs_host_at ON host_runs (host, at)`,
	},
}

// SchemaVersion is the newest schema this binary knows.
var SchemaVersion = len(migrations)

const createVersionTable = `CREATE TABLE IF NOT EXISTS kaudit_schema (version INTEGER NOT NULL)`

// migrate brings the schema to SchemaVersion in one transaction per step.
// Concurrent openers serialise: SQLite through the write lock every
// transaction takes, PostgreSQL through a transaction-level advisory lock.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("open the schema", err)
	}
	defer tx.Rollback()
	if s.engine == EnginePostgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7415307)`); err != nil {
			return s.fail("lock the schema", err)
		}
	}
	if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
		return s.fail("read the schema version", err)
	}
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM kaudit_schema`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO kaudit_schema (version) VALUES (0)`); err != nil {
			return s.fail("initialise the schema", err)
		}
	case err != nil:
		return s.fail("read the schema version", err)
	}
	if v > SchemaVersion {
		return s.fail("open", fmt.Errorf("%w: the store is at schema version %d, this kaudit knows up to %d; upgrade kaudit (never downgrade a store)", ErrSchemaTooNew, v, SchemaVersion))
	}
	for ; v < SchemaVersion; v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return s.fail(fmt.Sprintf("migrate the schema to version %d", v+1), err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE kaudit_schema SET version = ?`), v+1); err != nil {
			return s.fail(fmt.Sprintf("migrate the schema to version %d", v+1), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.fail("migrate the schema", err)
	}
	return nil
}

// Version reads the store's schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM kaudit_schema`).Scan(&v); err != nil {
		return 0, s.fail("read the schema version", err)
	}
	return v, nil
}
