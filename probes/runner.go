// Package probes reaches every host of an inventory in parallel, runs the
// embedded collector script on each (over SSH or locally) and turns its
// output into kaudit.facts/v1 documents.
package probes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
	"github.com/kaudit/kaudit/probes/transport"
)

// DefaultConcurrency is the global cap on hosts in flight (kaudit -j).
const DefaultConcurrency = 64

// stderrExcerpt caps the stderr quoted in a collector failure.
const stderrExcerpt = 400

// Options configure Collect.
type Options struct {
	// Concurrency caps hosts in flight at once; default DefaultConcurrency.
	Concurrency int
	// Transport runs the collector on every host. Nil: SSH for ssh hosts
	// (with the inventory's bastions) and the local transport for local
	// ones, both built with HostCap and closed when Collect returns.
	Transport transport.Runner
	// HostCap caps the collector output kept per host (bytes); default
	// transport.DefaultMaxStdout. Beyond it the output is cut and the facts
	// marked truncated.
	HostCap int64
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Outcome is the result for one host: Facts when the host was reached,
// otherwise Reason (a transport.Reason* value) and Err.
type Outcome struct {
	Host     *inventory.Host
	Facts    *facts.Facts
	Reason   string
	Err      error
	Duration time.Duration
}

// Collect reaches every host in parallel (see Each) and returns the
// outcomes in input order.
func Collect(ctx context.Context, hosts []*inventory.Host, inv *inventory.Inventory, opts Options) []*Outcome {
	outcomes := make([]*Outcome, len(hosts))
	Each(ctx, hosts, inv, opts, func(i int, o *Outcome) { outcomes[i] = o })
	return outcomes
}

// Each reaches every host in parallel and calls yield with each host's
// index and outcome as the host finishes (and for hosts never started
// after cancellation), from one goroutine at a time; it returns when every
// host has been yielded. Concurrency is capped globally (opts.Concurrency), per group
// (inventory Group.Concurrency, else the host's Concurrency) and per first
// bastion (Bastion.Concurrency, default 8); a host waiting on a group or
// bastion cap does not hold a global slot. Cancelling ctx stops new
// connections and closes open ones: hosts already done keep their facts, the
// rest are unreachable with reason timeout and an error saying the run was
// interrupted.
func Each(ctx context.Context, hosts []*inventory.Host, inv *inventory.Inventory, opts Options, yield func(i int, o *Outcome)) {
	opts.Concurrency = max(opts.Concurrency, 0)
	if opts.Concurrency == 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.HostCap <= 0 {
		opts.HostCap = transport.DefaultMaxStdout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	tr := opts.Transport
	if tr == nil {
		var bastions map[string]*inventory.Bastion
		if inv != nil {
			bastions = inv.Bastions
		}
		ssh := transport.NewSSH(transport.SSHOptions{Bastions: bastions, MaxStdout: opts.HostCap, HoldStdin: true})
		defer ssh.Close()
		tr = byTransport{ssh: ssh, local: transport.NewLocal(transport.LocalOptions{MaxStdout: opts.HostCap, HoldStdin: true})}
	}

	s := newScheduler(hosts, inv, opts.Concurrency)
	type done struct {
		i int
		o *Outcome
	}
	results := make(chan done)
	report := yield
	cancelled := ctx.Done()
	for {
		if ctx.Err() == nil {
			for i, ok := s.next(); ok; i, ok = s.next() {
				go func() { results <- done{i, collectOne(ctx, tr, hosts[i], opts)} }()
			}
		} else {
			for _, i := range s.drain() {
				report(i, interruptedOutcome(hosts[i], ctx.Err()))
			}
		}
		if s.running == 0 {
			break
		}
		select {
		case d := <-results:
			s.release(d.i)
			report(d.i, d.o)
		case <-cancelled:
			// Drain the queue on the next pass, then wait for the running
			// hosts: their connections close promptly on the cancelled ctx.
			cancelled = nil
		}
	}
}

// byTransport picks the transport by the host's Transport setting.
type byTransport struct {
	ssh   transport.Runner
	local transport.Runner
}

func (b byTransport) Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*transport.Result, error) {
	if h.Transport == "local" {
		return b.local.Run(ctx, h, cmd, stdin)
	}
	return b.ssh.Run(ctx, h, cmd, stdin)
}

// RunLeft builds the command once connected when the host's transport can.
func (b byTransport) RunLeft(ctx context.Context, h *inventory.Host, cmd func(time.Duration) string, stdin []byte) (*transport.Result, error) {
	tr := b.ssh
	if h.Transport == "local" {
		tr = b.local
	}
	if lr, ok := tr.(transport.LeftRunner); ok {
		return lr.RunLeft(ctx, h, cmd, stdin)
	}
	return tr.Run(ctx, h, cmd(orTimeout(h.SSH.Timeout)), stdin)
}

// collectOne runs the collector on h and builds its facts.
func collectOne(ctx context.Context, tr transport.Runner, h *inventory.Host, opts Options) *Outcome {
	start := opts.Now()
	o := &Outcome{Host: h}
	defer func() { o.Duration = opts.Now().Sub(start) }()

	nonce, err := collector.NewNonce()
	if err != nil {
		o.Reason, o.Err = transport.ReasonCollector, fmt.Errorf("collect %s: %w", h.Name, err)
		return o
	}
	// The node budget is what is left of the host's timeout once connected
	// (when the transport can say), less a margin for the output to arrive.
	budget := 0
	build := func(left time.Duration) string {
		budget = collector.Budget(left)
		return collector.Command(nonce, h.SSH.Sudo, budget)
	}
	var res *transport.Result
	if lr, ok := tr.(transport.LeftRunner); ok {
		res, err = lr.RunLeft(ctx, h, build, collector.Script())
	} else {
		res, err = tr.Run(ctx, h, build(orTimeout(h.SSH.Timeout)), collector.Script())
	}
	if err != nil && (res == nil || len(res.Stdout) == 0) {
		if ctx.Err() != nil {
			return interruptedOutcome(h, ctx.Err())
		}
		o.Reason, o.Err = transport.ReasonOf(err), fmt.Errorf("collect %s: %w", h.Name, err)
		return o
	}
	stdout, truncated := res.Stdout, res.Truncated
	if int64(len(stdout)) > opts.HostCap {
		stdout, truncated = stdout[:opts.HostCap], true
	}
	run := collector.SplitRun(stdout, nonce)
	if len(run.Sections) == 0 {
		if err != nil {
			if ctx.Err() != nil {
				return interruptedOutcome(h, ctx.Err())
			}
			o.Reason, o.Err = transport.ReasonOf(err), fmt.Errorf("collect %s: %w", h.Name, err)
			return o
		}
		o.Reason = transport.ReasonCollector
		o.Err = fmt.Errorf("collect %s: %w", h.Name, noFrames(h, res))
		return o
	}
	f := parse.Build(h.Name, run.Sections)
	f.CollectedAt = opts.Now().UTC().Format(time.RFC3339)
	f.Collector.Transport = transportName(h)
	f.Collector.Sudo = h.SSH.Sudo
	f.Collector.Bytes = int64(len(res.Stdout))
	f.Collector.Truncated = f.Collector.Truncated || truncated
	f.Collector.DurationMS = res.Duration.Milliseconds()
	f.Collector.Exit = res.Exit
	f.Collector.BudgetS = budget
	o.Facts = f
	// A run that did not reach its end keeps what arrived: the host is
	// incomplete, and the sections never reached say why.
	why := ""
	switch {
	case ctx.Err() != nil && !run.Done:
		o.Reason = transport.ReasonInterrupted
		o.Err = fmt.Errorf("collect %s: interrupted while the collector ran (%d bytes received): the sections that arrived are kept; run again for the rest", h.Name, len(res.Stdout))
		why = "the run was interrupted before this section"
	case err != nil:
		o.Reason, o.Err = transport.ReasonOf(err), fmt.Errorf("collect %s: %w; the sections that arrived are kept", h.Name, err)
		why = "not received: " + err.Error()
	case run.Abort != "":
		o.Reason = transport.ReasonTimeout
		o.Err = fmt.Errorf("collect %s: the collector's node budget (%ds) ran out and its watchdog ended it; the sections that arrived are kept: raise timeout or check the host", h.Name, budget)
		why = fmt.Sprintf("not reached: the collector's node budget (%ds) ran out", budget)
	case !run.Done && !truncated:
		o.Reason = transport.ReasonCollector
		msg := "the collector stopped before its end"
		if stderr := strings.TrimSpace(transport.Excerpt(res.Stderr, stderrExcerpt)); stderr != "" {
			msg += " (stderr: " + stderr + ")"
		}
		o.Err = fmt.Errorf("collect %s: %s; the sections that arrived are kept", h.Name, msg)
		why = "not reached: " + msg
	}
	if why != "" {
		f.Collector.Incomplete = o.Err.Error()
		for _, src := range f.Sources {
			if src.Error == facts.ErrNotRun && src.Message == parse.NotReached {
				src.Message = why
			}
		}
	}
	return o
}

// orTimeout is the host's timeout or the transport default.
func orTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return transport.DefaultTimeout
	}
	return d
}

// noFrames explains output without a single collector frame.
func noFrames(h *inventory.Host, res *transport.Result) error {
	what := fmt.Sprintf("the collector produced no output (exit %d)", res.Exit)
	if len(res.Stdout) > 0 {
		what = fmt.Sprintf("the collector output (%d bytes, exit %d) has no kaudit frames", len(res.Stdout), res.Exit)
	}
	hint := "check that /bin/sh exists and the login shell runs commands"
	if len(res.Stdout) > 0 {
		hint = "check the login shell's startup files (they must not print) and that sh runs the script"
	}
	if stderr := strings.TrimSpace(transport.Excerpt(res.Stderr, stderrExcerpt)); stderr != "" {
		what += "; stderr: " + stderr
	}
	return &transport.Error{Reason: transport.ReasonCollector, Host: h.Name, Msg: what + "; " + hint}
}

func transportName(h *inventory.Host) string {
	if h.Transport == "" {
		return "ssh"
	}
	return h.Transport
}

// interruptedOutcome is the outcome of a host cut short by cancellation.
func interruptedOutcome(h *inventory.Host, cause error) *Outcome {
	err := cause
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = context.Canceled
	}
	return &Outcome{Host: h, Reason: transport.ReasonTimeout,
		Err: fmt.Errorf("collect %s: interrupted before the collector finished: %w", h.Name, err)}
}
