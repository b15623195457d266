package gate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

// Verdicts of a host and of the fleet.
const (
	Go   = "go"
	NoGo = "no-go"
)

// Evidence keys the gate adds to projected results.
const (
	EvidencePlanned   = "gate.planned"   // fact path → what the plan sets
	EvidencePredicted = "gate.predicted" // fact path → what is predicted, and why
)

// maxNamed bounds the host names one fleet reason lists.
const maxNamed = 5

// noGroup names the hosts that belong to no group in the fleet reasons.
const noGroup = "(no group)"

// Attach stores the results of the projected fleet (projected, evaluated
// with the same engine) as each host's Projected results in r, matched by
// host name. Results of hosts with a projection are marked Predicted and
// their evidence gets EvidencePlanned / EvidencePredicted entries for the
// projected facts they judged. Hosts without a projection (not targeted)
// keep their facts: their projected results are their current state.
func Attach(r *report.Report, projected *report.Report, proj map[string]Projection) {
	byName := make(map[string]*report.Host, len(projected.Hosts))
	for i := range projected.Hosts {
		byName[projected.Hosts[i].Name] = &projected.Hosts[i]
	}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		ph := byName[h.Name]
		if ph == nil || h.Status == report.HostUnreachable {
			continue
		}
		h.Projected = slices.Clone(ph.Results)
		pr, ok := proj[h.Name]
		if !ok {
			continue
		}
		for k := range h.Projected {
			h.Projected[k].Predicted = true
			annotate(&h.Projected[k], pr.Notes)
		}
	}
}

// annotate adds the notes about the facts a result's evidence names.
func annotate(res *policies.Result, notes []Note) {
	planned, predicted := map[string]string{}, map[string]string{}
	for _, n := range notes {
		for k := range res.Evidence {
			if !related(k, n.Path) {
				continue
			}
			if n.Kind == NotePlanned {
				planned[n.Path] = n.Detail
			} else {
				predicted[n.Path] = n.Detail
			}
			break
		}
	}
	if len(planned)+len(predicted) == 0 {
		return
	}
	ev := make(map[string]any, len(res.Evidence)+2)
	for k, v := range res.Evidence {
		ev[k] = v
	}
	if len(planned) > 0 {
		ev[EvidencePlanned] = planned
	}
	if len(predicted) > 0 {
		ev[EvidencePredicted] = predicted
	}
	res.Evidence = ev
}

// related reports whether evidence key k is about fact path p: the same
// path, one inside the other, or a sibling count ("kmem.containers_active"
// of "kmem.containers").
func related(k, p string) bool {
	return k == p || strings.HasPrefix(k, p+".") || strings.HasPrefix(p, k+".") || strings.HasPrefix(k, p+"_")
}

// Blockers returns the ids of the results that block, most severe first.
func Blockers(results []policies.Result, failOn string) []string {
	var bs []policies.Result
	for _, res := range results {
		if policies.Blocks(&res, failOn) {
			bs = append(bs, res)
		}
	}
	slices.SortStableFunc(bs, func(a, b policies.Result) int {
		return cmp.Or(policies.SeverityRank(b.Severity)-policies.SeverityRank(a.Severity), strings.Compare(a.ID, b.ID))
	})
	ids := make([]string, 0, len(bs))
	for _, b := range bs {
		if !slices.Contains(ids, b.ID) {
			ids = append(ids, b.ID)
		}
	}
	return ids
}

// Decide sets every host's gate and the fleet verdict of a finalized
// report whose projected results are attached (Attach) and waived
// (waiver.Apply):
//
//   - a reachable host is go when none of its projected results blocks at
//     r.FailOn (a host with no projected results, i.e. not targeted and not
//     re-evaluated, is judged on its current results); GateBlockers lists
//     the blocking check ids. An unreachable host gets no gate;
//   - the fleet is go when every group's no-go hosts stay within its
//     max_no_go (its group block, else the rules block's, default 0), the
//     unreachable hosts among those the plan targets stay within
//     max_unreachable (default 0), and at least one host was judged.
//
// Plan.Reasons says why, failing reasons first.
func Decide(r *report.Report, p *Plan, targets map[string]*Target) {
	judged, targeted := 0, 0
	var unreachable []string
	for i := range r.Hosts {
		h := &r.Hosts[i]
		_, isTarget := targets[h.Name]
		if isTarget {
			targeted++
		}
		h.Gate, h.GateBlockers = "", nil
		if h.Status == report.HostUnreachable {
			if isTarget {
				unreachable = append(unreachable, fmt.Sprintf("%s (%s)", h.Name, cmp.Or(h.Reason, "unreachable")))
			}
			continue
		}
		judged++
		results := h.Projected
		if results == nil {
			results = h.Results
		}
		h.Gate = Go
		if bs := Blockers(results, r.FailOn); len(bs) > 0 || len(results) == 0 {
			h.Gate, h.GateBlockers = NoGo, bs
		}
	}

	var fail, info []string
	for _, g := range groupCounts(r, p) {
		switch {
		case len(g.nogo) > g.allowed:
			fail = append(fail, fmt.Sprintf("group %s: %d of %d hosts no-go (max_no_go %s): %s", g.name, len(g.nogo), g.n, g.limit.Describe(g.n), named(g.nogo)))
		case len(g.nogo) > 0:
			info = append(info, fmt.Sprintf("group %s: %d of %d hosts no-go, within max_no_go %s: %s", g.name, len(g.nogo), g.n, g.limit.Describe(g.n), named(g.nogo)))
		}
	}
	lim := p.Rules.MaxUnreachable
	switch allowed := lim.Allowed(targeted); {
	case len(unreachable) > allowed:
		fail = append(fail, fmt.Sprintf("%d of %d targeted hosts unreachable (max_unreachable %s): %s", len(unreachable), targeted, lim.Describe(targeted), named(unreachable)))
	case len(unreachable) > 0:
		info = append(info, fmt.Sprintf("%d of %d targeted hosts unreachable, within max_unreachable %s: %s", len(unreachable), targeted, lim.Describe(targeted), named(unreachable)))
	}
	if judged == 0 {
		fail = append(fail, fmt.Sprintf("no host could be judged (%d host(s), none reachable)", len(r.Hosts)))
	}
	if targeted == 0 {
		info = append(info, fmt.Sprintf("the plan targets none of the %d host(s) of this run: every host is judged on its current state", len(r.Hosts)))
	}
	verdict := Go
	if len(fail) > 0 {
		verdict = NoGo
	} else {
		info = append([]string{fmt.Sprintf("go: %d host(s) judged (%d targeted by the plan, %d on their current state), every group within its max_no_go", judged, targeted-len(unreachable), judged-(targeted-len(unreachable)))}, info...)
	}
	// Reasons lists the failed rules first; Failing says how many they are.
	r.Plan = &report.Plan{File: p.File, Verdict: verdict, Reasons: append(fail, info...), Failing: len(fail)}
}

// groupCount is one group's no-go hosts against its limit.
type groupCount struct {
	name    string
	n       int      // hosts of the group in this run, reachable or not
	nogo    []string // "host (blockers)"
	limit   Limit
	allowed int
}

// groupCounts counts no-go hosts per group, groups in order of first
// appearance, hosts in no group last.
func groupCounts(r *report.Report, p *Plan) []groupCount {
	rules := map[string]Limit{}
	for _, g := range p.Groups {
		rules[g.Name] = g.MaxNoGo
	}
	var order []string
	counts := map[string]*groupCount{}
	add := func(name string, h *report.Host) {
		g := counts[name]
		if g == nil {
			lim, ok := rules[name]
			if !ok {
				lim = p.Rules.MaxNoGo
			}
			g = &groupCount{name: name, limit: lim}
			counts[name] = g
			order = append(order, name)
		}
		g.n++
		if h.Gate == NoGo {
			g.nogo = append(g.nogo, fmt.Sprintf("%s (%s)", h.Name, blockerList(h.GateBlockers)))
		}
	}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		for _, g := range h.Groups {
			add(g, h)
		}
		if len(h.Groups) == 0 {
			add(noGroup, h)
		}
	}
	// Hosts in no group are listed after the groups.
	slices.SortStableFunc(order, func(a, b string) int {
		return cmp.Compare(boolInt(a == noGroup), boolInt(b == noGroup))
	})
	out := make([]groupCount, 0, len(order))
	for _, name := range order {
		g := counts[name]
		g.allowed = g.limit.Allowed(g.n)
		out = append(out, *g)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func blockerList(ids []string) string {
	if len(ids) == 0 {
		return "no results"
	}
	return strings.Join(ids, ", ")
}

// named lists up to maxNamed entries and how many more there are.
func named(xs []string) string {
	if len(xs) <= maxNamed {
		return strings.Join(xs, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(xs[:maxNamed], "; "), len(xs)-maxNamed)
}
