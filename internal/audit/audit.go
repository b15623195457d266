// Package audit is the part of `kaudit run`, `kaudit facts` and `kaudit
// eval` that collects facts from hosts, evaluates the policy packs, and
// assembles the kaudit.report/v1 document, so it can be tested without a
// shell. The rest of the sequence is still in cmd/kaudit: it applies the
// inventory's waivers and the baseline, writes the reports and maps the
// verdict to the exit code; kaudit gate's projection is package gate's.
package audit

import (
	"context"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/report"
)

// Meta is the run metadata copied into the report.
type Meta struct {
	ToolVersion string
	Inventory   string // inventory files, comma separated, or "local"
	FailOn      string
	StartedAt   time.Time
	Now         func() time.Time // nil = time.Now
	// History gives a host's input.history (the history package's
	// series); nil: no history store, no input.history.
	History func(h FleetHost) map[string]any
}

func (m Meta) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Collect reaches every host and returns the saved-facts form of each outcome,
// in input order. interrupted reports whether ctx was cancelled before every
// host was done.
func Collect(ctx context.Context, inv *inventory.Inventory, hosts []*inventory.Host, opts probes.Options) (out []FleetHost, interrupted bool) {
	outcomes := probes.Collect(ctx, hosts, inv, opts)
	out = make([]FleetHost, len(outcomes))
	for i, o := range outcomes {
		out[i] = FromOutcome(o)
	}
	return out, ctx.Err() != nil
}

// FromOutcome converts a collection outcome to its saved form.
func FromOutcome(o *probes.Outcome) FleetHost {
	h := FleetHost{
		Name:       o.Host.Name,
		Address:    o.Host.Address,
		Groups:     append([]string{}, o.Host.Groups...),
		Labels:     nonNilMap(o.Host.Labels),
		DurationMS: o.Duration.Milliseconds(),
		Facts:      o.Facts,
		Reason:     o.Reason,
	}
	if o.Err != nil {
		h.Error = o.Err.Error()
	}
	if o.Facts == nil && h.Reason == "" {
		h.Reason = "collector"
	}
	return h
}

// Evaluate runs the engine over every reachable host (in parallel) and builds
// the report. Unreachable hosts keep their reason and get no results.
func Evaluate(ctx context.Context, eng *policies.Engine, hosts []FleetHost, meta Meta, workers int) *report.Report {
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
		r.Hosts[index[k]].Results = sortResults(rs)
	}
	return finish(r, meta)
}

// Run collects from every host and evaluates each one as soon as its facts
// arrive, on GOMAXPROCS goroutines, while the collection goes on: the
// evaluation of the packs that do not read input.fleet takes no wall time of
// its own, and no host's Rego input outlives its evaluation. Packs that read
// input.fleet are evaluated once every host is in. The report is the one
// Collect followed by Evaluate gives; hosts are the saved facts, in input
// order. Evaluation goes on after ctx is cancelled: what was collected is
// reported (interrupted is then true).
func Run(ctx context.Context, eng *policies.Engine, inv *inventory.Inventory, hosts []*inventory.Host, opts probes.Options, meta Meta) (r *report.Report, out []FleetHost, interrupted bool) {
	r = newReport(eng, meta, len(hosts))
	out = make([]FleetHost, len(hosts))
	index := make(map[*inventory.Host]int, len(hosts))
	for i, h := range hosts {
		index[h] = i
	}
	evalCtx := context.WithoutCancel(ctx)
	work := make(chan int, len(hosts))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				r.Hosts[i].Results = eng.EvalHost(evalCtx, evalInput(out[i], meta.History))
			}
		})
	}
	progress := opts.Progress
	opts.Progress = func(done, total int, o *probes.Outcome) {
		i := index[o.Host]
		out[i] = FromOutcome(o)
		if r.Hosts[i] = reportHost(out[i]); out[i].Facts != nil {
			work <- i
		}
		if progress != nil {
			progress(done, total, o)
		}
	}
	probes.Collect(ctx, hosts, inv, opts)
	close(work)
	wg.Wait()

	if eng.NeedsFleet() {
		var inputs []policies.EvalInput
		var idx []int
		for i, h := range out {
			if h.Facts != nil {
				inputs = append(inputs, evalInput(h, meta.History))
				idx = append(idx, i)
			}
		}
		for k, rs := range eng.EvalFleet(evalCtx, inputs, 0) {
			r.Hosts[idx[k]].Results = append(r.Hosts[idx[k]].Results, rs...)
		}
	}
	for i := range r.Hosts {
		r.Hosts[i].Results = sortResults(r.Hosts[i].Results)
	}
	return finish(r, meta), out, ctx.Err() != nil
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
func reportHost(h FleetHost) report.Host {
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

func evalInput(h FleetHost, history func(FleetHost) map[string]any) policies.EvalInput {
	in := policies.EvalInput{Facts: h.Facts, Host: policies.HostInput{Name: h.Name, Groups: h.Groups, Labels: h.Labels}}
	if history != nil {
		in.History = history(h)
	}
	return in
}

// sortResults orders a host's results by check id (stable), never nil.
func sortResults(rs []policies.Result) []policies.Result {
	if rs == nil {
		return []policies.Result{}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].ID < rs[b].ID })
	return rs
}

// finish stamps the end of the run and derives the statuses and summary.
// The duration is measured on the monotonic clock (meta.StartedAt from
// time.Now carries its reading): the timestamps have whole seconds, and the
// wall clock may step during a run. A measured run lasts at least 1 ms, so
// duration_ms is absent only when not measured.
func finish(r *report.Report, meta Meta) *report.Report {
	end := meta.now()
	r.FinishedAt = end.UTC().Format(time.RFC3339)
	if d := end.Sub(meta.StartedAt); !meta.StartedAt.IsZero() && d > 0 {
		r.DurationMS = max(d.Milliseconds(), 1)
	}
	report.Finalize(r, meta.FailOn)
	return r
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
