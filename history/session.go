package history

import (
	"context"
	"errors"
	"time"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// Session is the history of one kaudit run, eval or gate: the store opened
// before the evaluation (the recent series feed input.history) and the
// run recorded after it. A store that cannot be opened leaves a Session
// whose Err is set: every host's input.history then carries the error (the
// forecast is unknown, saying why), and Record returns it.
type Session struct {
	store *Store
	past  map[string][]Point
	err   error
}

// Begin opens the store at target and reads the series of the window
// before now.
func Begin(ctx context.Context, target string, now time.Time) *Session {
	s, err := Open(ctx, target)
	if err != nil {
		return &Session{err: err}
	}
	past, err := s.Series(ctx, now.Add(-Window))
	if err != nil {
		s.Close()
		return &Session{err: err}
	}
	return &Session{store: s, past: past}
}

// Err is why the store is unusable; nil when it is open.
func (s *Session) Err() error { return s.err }

// Store is the open store (nil when Err is set).
func (s *Session) Store() *Store { return s.store }

// Input is input.history of a host whose facts f are being evaluated, for a
// run that started at started: its recorded series plus the current point.
// Safe for concurrent use.
func (s *Session) Input(host string, f *facts.Facts, started time.Time) map[string]any {
	if s.err != nil {
		return map[string]any{"error": s.err.Error()}
	}
	cur := Point{Host: host, At: started.UTC().Truncate(time.Second)}
	if f != nil {
		FillCounters(&cur, f)
	}
	return Input(HostSeries(s.past[host], cur))
}

// Record stores the run's report (see Store.Record).
func (s *Session) Record(ctx context.Context, r *report.Report) (Run, bool, error) {
	if s.err != nil {
		return Run{}, false, s.err
	}
	if s.store == nil {
		return Run{}, false, errors.New("history session closed")
	}
	return s.store.Record(ctx, r, SourceRun)
}

// Close closes the store; nil-safe, and a second Close does nothing.
func (s *Session) Close() error {
	if s == nil || s.store == nil {
		return nil
	}
	err := s.store.Close()
	s.store = nil
	return err
}
