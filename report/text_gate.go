package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kaudit/kaudit/policies"
)

func gateColor(gate string) string {
	switch gate {
	case GateGo:
		return ansiGreen
	case "":
		return ansiMagenta
	}
	return ansiRed
}

// plan prints the gate: the fleet verdict and its reasons (failing rules
// marked ✗), then per host its verdict, its status now and after the plan,
// and its blockers; no-go hosts first, unreachable hosts as not judged.
func (o *textOut) plan(r *Report, verbose bool) {
	p := r.Plan
	verdict := strings.ToUpper(clip(p.Verdict, 10))
	o.line(o.c(ansiBold, "GATE"), " ", clip(p.File, o.width/2), "  ", o.c(ansiBold+";"+gateColor(p.Verdict), verdict))
	for _, reason := range planReasons(p) {
		lead := "  - "
		if reason.Failing {
			lead = "  " + o.c(ansiRed, "✗") + " "
		}
		o.hang(lead, reason.Text)
	}
	hosts := planHosts(r)
	namew := 0
	for _, h := range hosts {
		namew = min(max(namew, utf8.RuneCountInString(clip(h.Name, 30))), 30)
	}
	for n, h := range hosts {
		if !verbose && n == textListCap {
			o.line(o.c(ansiDim, fmt.Sprintf("  … and %d more; -v, the JSON and the HTML reports have them all", len(hosts)-n)))
			break
		}
		gate := clip(h.Gate, 6)
		if gate == "" {
			gate = "—"
		}
		o.hang("  "+o.c(gateColor(h.Gate), pad(gate, 6))+" "+pad(clip(h.Name, 30), namew)+"  ", gateSummary(r, h))
	}
	o.line()
}

// gateSummary is a host's line of the plan section: "noncompliant →
// compliant", with the blockers of a no-go host, or why an unreachable host
// was not judged.
func gateSummary(r *Report, h *Host) string {
	if h.Gate == "" {
		s := "unreachable: not judged"
		if h.Reason != "" {
			s += " (" + h.Reason + ")"
		}
		return s
	}
	s := fmt.Sprintf("%s → %s", h.Status, projectedStatus(h, r.FailOn))
	if len(h.GateBlockers) > 0 {
		s += "; blockers: " + strings.Join(h.GateBlockers, ", ")
	}
	return s
}

// hostGate prints a host's gate in its detail: the verdict, the status now
// and after the plan, the blockers.
func (o *textOut) hostGate(r *Report, h *Host) {
	if h.Gate == "" {
		o.line("   gate ", o.c(ansiBold+";"+gateColor(h.Gate), "not judged"), ": ", h.Status)
		return
	}
	lead := "   gate " + o.c(ansiBold+";"+gateColor(h.Gate), clip(h.Gate, 12)) + "  "
	s := fmt.Sprintf("%s now, %s after the plan", h.Status, projectedStatus(h, r.FailOn))
	if len(h.GateBlockers) > 0 {
		s += "; blockers after the plan: " + strings.Join(h.GateBlockers, ", ")
	}
	o.hang(lead, s)
}

// afterPlan prints a projected result under the current one: "after the
// plan: STATUS (predicted) message", and its waiver.
func (o *textOut) afterPlan(indent string, p *policies.Result) {
	lead := indent + "after the plan: " + o.c(resultColor(p.Status), resultIcon(p.Status)+" "+clip(p.Status, 16)) + " "
	text := p.Message
	if p.Predicted {
		text = "(predicted) " + text
	}
	o.hang(lead, text)
	if w := p.Waiver; w != nil && p.Status == policies.StatusWaived {
		o.waiver(indent+"  ", w)
	}
}
