// Package pipeline owns everything between a command's parsed flags and the
// rendering of its reports, for kaudit run, facts, eval, gate and merge
// alike:
//
//	source (SSH collection, a facts file, sosreports, shard reports)
//	  → one Host per node, as it arrives (listeners see each: progress)
//	  → evaluation of the packs that read one host (as hosts arrive)
//	  → evaluation of the packs that read input.fleet (once all are in)
//	  → the gate's projection and its evaluation (kaudit gate)
//	  → waivers → baseline marks → the gate's decision
//	  → one Finalize (host statuses, summary) → notices
//
// The commands in cmd/kaudit bind flags to Options, pick a Source, call Run
// and render Outcome.Report; nothing of the sequence is theirs.
package pipeline

import (
	"cmp"
	"context"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline/waiver"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// Meta is the run metadata copied into the report.
type Meta struct {
	ToolVersion string
	Inventory   string // inventory files, comma separated, or "local"
	FailOn      string // "" = report.DefaultFailOn
	StartedAt   time.Time
	Now         func() time.Time // nil = time.Now
	// History gives a host's input.history (the history package's
	// series); nil: no history store, no input.history.
	History func(h facts.FleetHost) map[string]any
}

func (m Meta) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Host is one node as a Source yields it: its saved facts (or why it has
// none) and, when it was evaluated already (a shard report given to kaudit
// merge), the results of the packs that read one host.
type Host struct {
	facts.FleetHost
	// Evaluated: Results are this host's results of every pack that does
	// not read input.fleet; the pipeline does not evaluate them again.
	Evaluated bool
	Results   []policies.Result
}

// Source yields the hosts of a run.
type Source interface {
	// Len is the number of hosts Hosts will yield.
	Len() int
	// Hosts calls yield once for every host, i = 0..Len()-1, in any order
	// and from one goroutine at a time, and returns when all are yielded or
	// ctx is cancelled (the hosts not reached are then yielded as such).
	// interrupted reports that the run was cut short, now or when the
	// facts were collected.
	Hosts(ctx context.Context, yield func(i int, h Host)) (interrupted bool)
}

// Gate is kaudit gate's stage (package gate implements it): it projects the
// fleet's facts through an upgrade plan, and decides go / no-go once the
// waivers are applied.
type Gate interface {
	// Project returns the fleet after the plan, host by host in the same
	// order: the hosts the plan targets with their projected facts, the
	// others as they are.
	Project(hosts []facts.FleetHost) ([]facts.FleetHost, error)
	// Attach records the projected evaluation in the current report.
	Attach(current, projected *report.Report)
	// Decide sets every host's gate and the fleet verdict (report.Plan).
	Decide(r *report.Report)
}

// Options are what a run needs besides its source.
type Options struct {
	Engine *policies.Engine
	Meta   Meta
	// Workers evaluate hosts in parallel (<= 0: GOMAXPROCS).
	Workers int
	// Waivers are the inventory's waivers; WaiverNow is the clock they
	// expire by (zero: Meta's clock).
	Waivers   []*inventory.Waiver
	WaiverNow time.Time
	// Baseline, when set, marks results new / fixed / unchanged against
	// this earlier report; BaselineName is its file, recorded in the report.
	Baseline     *report.Report
	BaselineName string
	// Gate, when set, makes the run a gate run.
	Gate Gate
	// OnHost listens to the host stream: it is called as each host arrives,
	// before it is evaluated (done of total hosts are in). It must not keep
	// or change h.
	OnHost func(done, total int, h *Host)
}

// Stamped is a Source whose hosts were judged by earlier runs (shard
// reports): it supplies the report's times, inventory, threshold,
// interruption and notices, instead of Meta and the pipeline's clock.
type Stamped interface {
	Stamp(r *report.Report)
}

// Outcome is a run's result.
type Outcome struct {
	// Report is finalized: statuses, summary, notices, and for a gate run
	// every host's projection and verdict and the fleet verdict.
	Report *report.Report
	// Hosts are every host's saved facts in source order: what
	// `--facts-out` writes.
	Hosts []facts.FleetHost
	// Projected is, for a gate run, the fleet after the plan.
	Projected []facts.FleetHost
	// Notices are the report's notices that this run found (the waivers'),
	// also in Report.Notices: the CLI prints them on stderr.
	Notices []report.Notice
	// Interrupted: the run (or the collection of the facts it judged) was
	// cut short; what was collected is reported.
	Interrupted bool
}

// Run runs the pipeline over src. The evaluation of each host starts as its
// facts arrive, on Workers goroutines, while the source is still yielding
// others, so the packs that read one host take no wall time of their own
// and no host's Rego input outlives its evaluation. Evaluation goes on after
// ctx is cancelled: what was collected is reported, marked interrupted.
// The error is the gate's projection failing; nothing else fails a run.
func Run(ctx context.Context, src Source, opts Options) (*Outcome, error) {
	eng := opts.Engine
	meta := opts.Meta
	meta.FailOn = cmp.Or(meta.FailOn, report.DefaultFailOn)
	n := src.Len()
	r := newReport(eng, meta, n)
	out := &Outcome{Report: r, Hosts: make([]facts.FleetHost, n)}
	evalCtx := context.WithoutCancel(ctx)

	workers := evalWorkers(opts.Workers)
	work := make(chan int, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				r.Hosts[i].Results = compact(eng.EvalHost(evalCtx, evalInput(out.Hosts[i], meta.History)))
			}
		})
	}
	done := 0
	out.Interrupted = src.Hosts(ctx, func(i int, h Host) {
		done++
		if opts.OnHost != nil {
			opts.OnHost(done, n, &h)
		}
		out.Hosts[i] = h.FleetHost
		r.Hosts[i] = reportHost(h.FleetHost)
		switch {
		case h.Evaluated:
			r.Hosts[i].Results = compact(h.Results)
		case h.Facts != nil:
			work <- i
		}
	})
	close(work)
	wg.Wait()
	evalFleet(evalCtx, eng, r, out.Hosts, meta.History)
	sortAll(r)
	stamped, _ := src.(Stamped)
	if stamped != nil {
		stamped.Stamp(r)
	}

	if opts.Gate != nil {
		projected, err := opts.Gate.Project(out.Hosts)
		if err != nil {
			return nil, err
		}
		out.Projected = projected
		after := evaluate(evalCtx, eng, projected, meta, workers)
		opts.Gate.Attach(r, after)
	}
	now := opts.WaiverNow
	if now.IsZero() {
		now = meta.now()
	}
	out.Notices = waiver.Apply(r, opts.Waivers, eng.Checks(), now)
	if opts.Baseline != nil {
		report.ApplyBaseline(r, opts.Baseline)
		r.Baseline = opts.BaselineName
	}
	if opts.Gate != nil {
		opts.Gate.Decide(r)
	}
	r.Interrupted = r.Interrupted || out.Interrupted
	if stamped == nil {
		stamp(r, meta)
	}
	report.Finalize(r, r.FailOn)
	r.Notices = append(r.Notices, out.Notices...)
	out.Interrupted = r.Interrupted
	return out, nil
}

// evalWorkers is how many hosts are evaluated at once: Workers (the
// hosts contacted at once, -j, 64 by default) but never more than there
// are cores. Evaluation is CPU-bound: a worker beyond GOMAXPROCS adds no
// throughput, only another host's Rego input and evaluation state in
// memory (64 workers on 2 cores held ~180 MiB more at 2,000 hosts).
func evalWorkers(n int) int {
	procs := runtime.GOMAXPROCS(0)
	if n <= 0 || n > procs {
		return procs
	}
	return n
}

// evaluate evaluates hosts (the gate's projected fleet) with every pack:
// the report before waivers and finalizing.
func evaluate(ctx context.Context, eng *policies.Engine, hosts []facts.FleetHost, meta Meta, workers int) *report.Report {
	r := newReport(eng, meta, len(hosts))
	var inputs []policies.EvalInput
	var index []int
	for i, h := range hosts {
		if r.Hosts[i] = reportHost(h); h.Facts != nil {
			inputs = append(inputs, evalInput(h, meta.History))
			index = append(index, i)
		}
	}
	for k, rs := range eng.EvalAll(ctx, inputs, workers) {
		r.Hosts[index[k]].Results = rs
	}
	sortAll(r)
	return r
}

// evalFleet adds the results of the packs that read input.fleet, evaluated
// over every host with facts.
func evalFleet(ctx context.Context, eng *policies.Engine, r *report.Report, hosts []facts.FleetHost, history func(facts.FleetHost) map[string]any) {
	if !eng.NeedsFleet() {
		return
	}
	var inputs []policies.EvalInput
	var idx []int
	for i, h := range hosts {
		if h.Facts != nil {
			inputs = append(inputs, evalInput(h, history))
			idx = append(idx, i)
		}
	}
	for k, rs := range eng.EvalFleet(ctx, inputs, 0) {
		r.Hosts[idx[k]].Results = append(r.Hosts[idx[k]].Results, compact(rs)...)
	}
}

func newReport(eng *policies.Engine, meta Meta, n int) *report.Report {
	r := &report.Report{
		Schema:       report.Schema,
		ToolVersion:  meta.ToolVersion,
		Inventory:    meta.Inventory,
		PolicyDigest: eng.Digest(),
		FailOn:       meta.FailOn,
		Checks:       eng.Checks(),
		Hosts:        make([]report.Host, n),
	}
	if !meta.StartedAt.IsZero() {
		r.StartedAt = meta.StartedAt.UTC().Format(time.RFC3339)
	}
	return r
}

// reportHost is a host's report entry before evaluation: unreachable when
// it has no facts.
func reportHost(h facts.FleetHost) report.Host {
	rh := report.Host{
		Name:       h.Name,
		Address:    h.Address,
		Groups:     nonNil(h.Groups),
		Labels:     nonNilMap(h.Labels),
		Reason:     h.Reason,
		Error:      h.Error,
		DurationMS: h.DurationMS,
		Facts:      h.Facts,
		Results:    []policies.Result{},
	}
	if h.Facts == nil {
		rh.Status = report.HostUnreachable
	}
	return rh
}

func evalInput(h facts.FleetHost, history func(facts.FleetHost) map[string]any) policies.EvalInput {
	in := policies.EvalInput{Facts: h.Facts, Host: policies.HostInput{Name: h.Name, Groups: h.Groups, Labels: h.Labels}}
	if history != nil {
		in.History = history(h)
	}
	return in
}

// compact encodes the evidence of a host's results once they are
// evaluated (policies.Result.Compact): the report holds every host until it
// is written, and evidence maps were most of its memory (kaudit eval of
// 20,000 hosts: 243 MB of 462). A result whose evidence does not encode
// keeps its map (the JSON report then fails on it, naming the error).
func compact(rs []policies.Result) []policies.Result {
	for i := range rs {
		_ = rs[i].Compact()
	}
	return rs
}

// sortAll orders every host's results by check id (stable), never nil.
func sortAll(r *report.Report) {
	for i := range r.Hosts {
		r.Hosts[i].Results = sortResults(r.Hosts[i].Results)
	}
}

func sortResults(rs []policies.Result) []policies.Result {
	if rs == nil {
		return []policies.Result{}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].ID < rs[b].ID })
	return rs
}

// stamp records the end of the run. The duration is measured on the
// monotonic clock (meta.StartedAt from time.Now carries its reading): the
// timestamps have whole seconds, and the wall clock may step during a run.
// A measured run lasts at least 1 ms, so duration_ms is absent only when
// not measured.
func stamp(r *report.Report, meta Meta) {
	end := meta.now()
	r.FinishedAt = end.UTC().Format(time.RFC3339)
	if d := end.Sub(meta.StartedAt); !meta.StartedAt.IsZero() && d > 0 {
		r.DurationMS = max(d.Milliseconds(), 1)
	}
}

// InventoryLabel is the report's "inventory" field for the files loaded.
func InventoryLabel(inv *inventory.Inventory) string {
	if inv == nil || len(inv.Files) == 0 {
		return "local"
	}
	return strings.Join(inv.Files, ",")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
