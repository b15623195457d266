package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline"
)

// progress draws a one-line progress bar on a terminal's stderr: hosts
// done/total, unreachable so far and an ETA. When disabled (not a TTY, CI) it
// prints nothing, so CI logs stay clean.
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	enabled     bool
	total       int
	done        int
	unreachable int
	start       time.Time
	last        time.Time
}

func newProgress(w io.Writer, total int, enabled bool) *progress {
	return &progress{w: w, total: total, enabled: enabled && total > 0, start: time.Now()}
}

// update listens to the pipeline's host stream (pipeline.Options.OnHost);
// it is safe for concurrent use.
func (p *progress) update(done, total int, o *pipeline.Host) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if o != nil && o.Facts == nil {
		p.unreachable++
	}
	if !p.enabled {
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprint(p.w, "\r"+p.line(now))
}

// line renders the bar for the current state.
func (p *progress) line(now time.Time) string {
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = p.done * width / p.total
	}
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	eta := "--"
	if p.done > 0 && p.done < p.total {
		per := now.Sub(p.start) / time.Duration(p.done)
		eta = (per * time.Duration(p.total-p.done)).Round(time.Second).String()
	} else if p.done == p.total {
		eta = "0s"
	}
	return fmt.Sprintf("[%s] %d/%d hosts  %d unreachable  ETA %s ", bar, p.done, p.total, p.unreachable, eta)
}

// clear clears the progress line.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.enabled {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", 80)+"\r")
	}
}
