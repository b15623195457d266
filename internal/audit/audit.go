// Package audit is the pipeline behind `kaudit run`, `kaudit facts` and
// `kaudit eval`: collect facts from hosts, evaluate the policy packs, and
// assemble the kaudit.report/v1 document. The CLI only parses flags and
// renders; everything between lives here so it can be tested without a shell.
package audit

import (
	"context"
	"sort"
	"strings"
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
	r := &report.Report{
		Schema:       report.Schema,
		ToolVersion:  meta.ToolVersion,
		Inventory:    meta.Inventory,
		PolicyDigest: eng.Digest(),
		FailOn:       meta.FailOn,
		Checks:       eng.Checks(),
		Hosts:        make([]report.Host, len(hosts)),
	}
	if !meta.StartedAt.IsZero() {
		r.StartedAt = meta.StartedAt.UTC().Format(time.RFC3339)
	}

	var inputs []policies.EvalInput
	var index []int
	for i, h := range hosts {
		r.Hosts[i] = report.Host{
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
			r.Hosts[i].Status = report.HostUnreachable
			continue
		}
		inputs = append(inputs, policies.EvalInput{
			Facts: h.Facts,
			Host:  policies.HostInput{Name: h.Name, Groups: h.Groups, Labels: h.Labels},
		})
		index = append(index, i)
	}
	results := eng.EvalAll(ctx, inputs, workers)
	for k, i := range index {
		res := results[k]
		sort.SliceStable(res, func(a, b int) bool { return res[a].ID < res[b].ID })
		r.Hosts[i].Results = res
	}
	r.FinishedAt = meta.now().UTC().Format(time.RFC3339)
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
