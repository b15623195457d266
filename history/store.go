// Package history is kaudit's run history: every recorded run's metadata,
// each host's status, each check's status and the counters that matter over
// time (memory cgroups, dying memcgs, slab, versions), in an embedded SQLite
// file (pure Go, modernc.org/sqlite) or a PostgreSQL database (pgx). Both
// engines run the same SQL; the schema is versioned and migrated forward on
// Open, and a store whose schema is newer than this binary knows is refused.
// docs/history.md is the user's guide.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Engines of Store.Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// BusyTimeout is how long a SQLite writer waits for another writer's lock
// before giving up: two runs recording into the same file are serialised.
const BusyTimeout = 30 * time.Second

// connectTimeout bounds reaching a PostgreSQL server.
const connectTimeout = 10 * time.Second

// Store is an open history store. Safe for concurrent use.
type Store struct {
	db     *sql.DB
	engine string
	name   string // what error messages call the store (password removed)
}

// Error is a failure of the store: Store names it (a path or a URL without
// its password), Op says what was being done.
type Error struct {
	Store string
	Op    string
	Err   error
}

func (e *Error) Error() string { return fmt.Sprintf("history store %s: %s: %v", e.Store, e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ErrSchemaTooNew is wrapped by Open when the store was written by a newer
// kaudit.
var ErrSchemaTooNew = errors.New("schema newer than this kaudit knows")

func (s *Store) fail(op string, err error) error {
	return &Error{Store: s.name, Op: op, Err: err}
}

// Engine is EngineSQLite or EnginePostgres.
func (s *Store) Engine() string { return s.engine }

// Name is the store's path or URL without its password.
func (s *Store) Name() string { return s.name }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Open opens (creating it if need be) the store at target: a postgres:// or
// postgresql:// URL, or a SQLite file path (optionally sqlite:// or file:).
// It migrates the schema to the latest version this binary knows and
// refuses a newer one.
func Open(ctx context.Context, target string) (*Store, error) {
	s, err := open(target)
	if err != nil {
		return nil, err
	}
	if err := s.ping(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func open(target string) (*Store, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return nil, &Error{Store: `""`, Op: "open", Err: errors.New("empty path or URL")}
	}
	if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		u, err := url.Parse(target)
		if err != nil {
			return nil, &Error{Store: "postgres URL", Op: "open", Err: errors.New("not a valid URL")}
		}
		name := u.Redacted()
		q := u.Query()
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", strconv.Itoa(int(connectTimeout/time.Second)))
			u.RawQuery = q.Encode()
		}
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			return nil, &Error{Store: name, Op: "open", Err: err}
		}
		db.SetMaxOpenConns(4)
		return &Store{db: db, engine: EnginePostgres, name: name}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(target, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return nil, &Error{Store: target, Op: "open", Err: errors.New("no file path")}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{Store: path, Op: "open", Err: err}
	}
	// _txlock=immediate: every transaction takes the write lock when it
	// begins, so two writers wait for each other (busy_timeout) instead of
	// failing halfway with SQLITE_BUSY on a lock upgrade.
	dsn := (&url.URL{Scheme: "file", Path: abs}).String() + fmt.Sprintf(
		"?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_txlock=immediate",
		BusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, &Error{Store: path, Op: "open", Err: err}
	}
	db.SetMaxOpenConns(1) // one connection: SQLite serialises writers anyway
	return &Store{db: db, engine: EngineSQLite, name: path}, nil
}

func (s *Store) ping(ctx context.Context) error {
	wait := connectTimeout + 5*time.Second
	if s.engine == EngineSQLite {
		wait = BusyTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		err := s.db.PingContext(ctx)
		if err == nil {
			return nil
		}
		// A new SQLite connection runs its pragmas; switching a file that
		// another process is creating at the same moment to WAL returns
		// SQLITE_BUSY at once, without waiting for busy_timeout. Wait and
		// open the connection again.
		if s.engine != EngineSQLite || !sqliteBusy(err) {
			return s.fail("connect", err)
		}
		select {
		case <-ctx.Done():
			return s.fail("connect", err)
		case <-time.After(delay):
		}
	}
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY (its primary code,
// 5, whatever the extended code).
func sqliteBusy(err error) bool {
	var c interface{ Code() int }
	return errors.As(err, &c) && c.Code()&0xff == 5
}

// q rewrites the ? placeholders of the shared SQL into PostgreSQL's $N.
func (s *Store) q(query string) string {
	if s.engine != EnginePostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
