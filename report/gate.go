package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/kaudit/kaudit/policies"
)

// Helpers the renderers share for a gate report (Report.Plan set): the
// fleet reasons, the hosts of the plan section, and what the plan changes
// in a host's results.

// planReason is one of Plan.Reasons.
type planReason struct {
	Text string
	// Failing: a fleet rule that failed. Unknown (false) for every reason of
	// a go plan and for the reasons after Plan.Failing.
	Failing bool
}

// planReasons marks Reasons[:Failing] failing. A no-go plan that does not
// record Failing has every reason counted as failing: the renderers cannot
// tell which rule failed, and understating a no-go is worse.
func planReasons(p *Plan) []planReason {
	n := p.Failing
	if p.Verdict != GateGo && n == 0 {
		n = len(p.Reasons)
	}
	out := make([]planReason, len(p.Reasons))
	for i, s := range p.Reasons {
		out[i] = planReason{Text: s, Failing: i < n && p.Verdict != GateGo}
	}
	return out
}

// planHosts lists the hosts of the plan section: every host with a gate
// verdict and every unreachable host (not judged), no-go first, then
// unreachable, then go, each in report order.
func planHosts(r *Report) []*Host {
	var out []*Host
	for i := range r.Hosts {
		if h := &r.Hosts[i]; h.Gate != "" || h.Status == HostUnreachable {
			out = append(out, h)
		}
	}
	rank := func(h *Host) int {
		switch {
		case h.Gate == GateNoGo:
			return 0
		case h.Gate == "":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b *Host) int { return cmp.Compare(rank(a), rank(b)) })
	return out
}

// projectedStatus is the host status after the plan: what its projected
// results give at failOn. An unreachable host stays unreachable; a host
// without projected results is judged as it is now, as the gate does.
func projectedStatus(h *Host, failOn string) string {
	if h.Status == HostUnreachable {
		return HostUnreachable
	}
	if h.Projected == nil {
		return h.Status
	}
	return HostStatusOf(h.Projected, failOn)
}

// projectedByID maps check id → the host's projected result.
func projectedByID(h *Host) map[string]*policies.Result {
	out := make(map[string]*policies.Result, len(h.Projected))
	for i := range h.Projected {
		out[h.Projected[i].ID] = &h.Projected[i]
	}
	return out
}

// planChanges reports whether the projected result p is worth showing
// beside the current result cur: the status changes, or p blocks the gate
// for a reason other than the one cur gives.
func planChanges(cur, p *policies.Result, failOn string) bool {
	return p.Status != cur.Status || (policies.Blocks(p, failOn) && p.Message != cur.Message)
}

// gateNotes returns the EvidencePlanned and EvidencePredicted entries of a
// projected result (fact path → text), sorted by path. The maps are
// map[string]string as kaudit gate builds them, map[string]any once read
// back from JSON; a value of any other shape is kept whole under "".
func gateNotes(res *policies.Result) (planned, predicted [][2]string) {
	ev := res.EvidenceMap()
	return notePairs(ev[EvidencePlanned]), notePairs(ev[EvidencePredicted])
}

func notePairs(v any) [][2]string {
	var out [][2]string
	switch m := v.(type) {
	case nil:
		return nil
	case map[string]string:
		for k, s := range m {
			out = append(out, [2]string{k, s})
		}
	case map[string]any:
		out = evidencePairs(m)
	default:
		b, err := json.Marshal(m)
		if err != nil {
			return [][2]string{{"", fmt.Sprint(m)}}
		}
		return [][2]string{{"", string(b)}}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// withoutGateNotes is the result's evidence less the gate's notes.
func withoutGateNotes(ev map[string]any) map[string]any {
	if _, ok := ev[EvidencePlanned]; !ok {
		if _, ok := ev[EvidencePredicted]; !ok {
			return ev
		}
	}
	out := make(map[string]any, len(ev))
	for k, v := range ev {
		if k != EvidencePlanned && k != EvidencePredicted {
			out[k] = v
		}
	}
	return out
}

// waiverLine describes a waived result's waiver in one sentence.
func waiverLine(w *policies.WaiverRef) string {
	s := "waived"
	if w.OriginalStatus != "" {
		s += " (was " + w.OriginalStatus + ")"
	}
	if w.Owner != "" {
		s += " by " + w.Owner
	}
	if w.Expires != "" {
		s += " until " + w.Expires
	}
	if w.Ticket != "" {
		s += " [" + w.Ticket + "]"
	}
	return s + ": " + w.Reason
}
