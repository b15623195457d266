package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// The gate and the notices in JUnit: CI systems list testcases, so each
// gets a suite of its own after the hosts' suites.
//
//	kaudit.gate      properties plan, verdict, fail_on;
//	                 per host "HOST::gate" (classname kaudit.gate): passed
//	                 when go, <failure type="no-go"> listing the blockers
//	                 after the plan, <skipped type="unreachable"> when not
//	                 judged; per fleet reason "fleet::N" (classname
//	                 kaudit.gate.fleet): <failure type="no-go"> for a rule
//	                 that failed, passed (reason in <system-out>) otherwise
//	kaudit.notices   per notice "notice N: SUBJECT" (classname
//	                 kaudit.notice): <skipped type="error"|"warning">, so a
//	                 notice is shown without failing the build (notices never
//	                 change the exit code); all of them in the suite's
//	                 <system-out>
//
// The root <testsuites> of junit-10.xsd holds only suites: no properties
// or system-out of its own.

func junitGate(r *Report, id int) junitSuite {
	p := r.Plan
	s := junitSuite{Name: "kaudit.gate", Time: "0", Timestamp: jattr(r.StartedAt), ID: id, Package: "kaudit"}
	for _, kv := range [][2]string{{"plan", p.File}, {"verdict", p.Verdict}, {"fail_on", r.FailOn}} {
		if kv[1] != "" {
			s.Properties = append(s.Properties, junitProperty{Name: kv[0], Value: jattr(kv[1])})
		}
	}
	for i := range r.Hosts {
		s.Cases = append(s.Cases, junitHostGate(r, &r.Hosts[i]))
	}
	reasons := planReasons(p)
	if len(reasons) == 0 {
		reasons = []planReason{{Text: "verdict " + p.Verdict, Failing: p.Verdict != GateGo}}
	}
	for i, pr := range reasons {
		c := junitCase{Name: fmt.Sprintf("fleet::%d", i+1), Classname: "kaudit.gate.fleet", Time: "0"}
		if pr.Failing {
			c.Failure = &junitNote{Message: jattr(pr.Text), Type: GateNoGo, Body: jtext(pr.Text, true)}
		} else {
			c.SystemOut = jtext(pr.Text, true)
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}

// junitHostGate is a host's "HOST::gate" testcase.
func junitHostGate(r *Report, h *Host) junitCase {
	name := jattr(h.Name)
	c := junitCase{Name: name + "::gate", Classname: "kaudit.gate", Time: "0"}
	if h.Gate == "" {
		msg := "not judged: " + h.Status
		if h.Reason != "" {
			msg += " (" + h.Reason + ")"
		}
		body := msg
		if h.Error != "" {
			body += "\n\n" + h.Error
		}
		c.Skipped = &junitNote{Message: jattr(msg), Type: jattr(h.Status), Body: jtext(body, true)}
		return c
	}
	var body strings.Builder
	fmt.Fprintf(&body, "%s: %s now, %s after the plan (%s, fail-on %s)\n", h.Gate, h.Status, projectedStatus(h, r.FailOn), r.Plan.File, r.FailOn)
	proj := projectedByID(h)
	if len(h.GateBlockers) > 0 {
		body.WriteString("\nBlockers after the plan:\n")
		for _, id := range h.GateBlockers {
			res := proj[id]
			if res == nil {
				res = resultByID(h.Results, id)
			}
			if res == nil {
				fmt.Fprintf(&body, "- %s\n", id)
				continue
			}
			writeProjected(&body, res)
		}
	}
	var changed []*policies.Result
	for i := range h.Results {
		cur := &h.Results[i]
		if p := proj[cur.ID]; p != nil && p.Status != cur.Status {
			changed = append(changed, p)
		}
	}
	if len(changed) > 0 {
		slices.SortStableFunc(changed, func(a, b *policies.Result) int {
			return cmp.Or(cmp.Compare(policies.SeverityRank(b.Severity), policies.SeverityRank(a.Severity)), cmp.Compare(a.ID, b.ID))
		})
		body.WriteString("\nChanged by the plan:\n")
		for _, p := range changed {
			cur := resultByID(h.Results, p.ID)
			fmt.Fprintf(&body, "- %s (%s): %s → %s%s", p.ID, p.Severity, cur.Status, p.Status, predictedMark(p))
			if w := p.Waiver; w != nil && p.Status == policies.StatusWaived {
				body.WriteString(": " + waiverLine(w))
			}
			body.WriteString("\n")
		}
	}
	if h.Gate == GateGo {
		c.SystemOut = jtext(body.String(), true)
		return c
	}
	msg := "no-go after the plan"
	if len(h.GateBlockers) > 0 {
		msg += ": blocked by " + strings.Join(h.GateBlockers, ", ")
	} else {
		msg += ": no results"
	}
	c.Failure = &junitNote{Message: jattr(msg), Type: jattr(h.Gate), Body: jtext(body.String(), true)}
	return c
}

// writeProjected writes a blocking projected result: check, severity,
// status, message, the plan's and the prediction's notes, its waiver.
func writeProjected(b *strings.Builder, res *policies.Result) {
	fmt.Fprintf(b, "- %s (%s): %s%s: %s\n", res.ID, res.Severity, res.Status, predictedMark(res), res.Message)
	planned, predicted := gateNotes(res)
	for _, kv := range planned {
		fmt.Fprintf(b, "    planned: %s = %s\n", kv[0], kv[1])
	}
	for _, kv := range predicted {
		fmt.Fprintf(b, "    predicted: %s = %s\n", kv[0], kv[1])
	}
	if w := res.Waiver; w != nil && res.Status == policies.StatusWaived {
		fmt.Fprintf(b, "    %s\n", waiverLine(w))
	}
}

func predictedMark(res *policies.Result) string {
	if res.Predicted {
		return " (predicted)"
	}
	return ""
}

// resultByID is the result of check id, or nil.
func resultByID(results []policies.Result, id string) *policies.Result {
	for i := range results {
		if results[i].ID == id {
			return &results[i]
		}
	}
	return nil
}

func junitNotices(r *Report, id int) junitSuite {
	s := junitSuite{Name: "kaudit.notices", Time: "0", Timestamp: jattr(r.StartedAt), ID: id, Package: "kaudit"}
	var out strings.Builder
	for i, n := range r.Notices {
		text := noticeText(n)
		name := fmt.Sprintf("notice %d", i+1)
		if n.Subject != "" {
			name += ": " + n.Subject
		}
		s.Cases = append(s.Cases, junitCase{
			Name: jattr(name), Classname: "kaudit.notice", Time: "0",
			Skipped: &junitNote{Message: jattr(n.Level + ": " + text), Type: jattr(n.Level), Body: jtext(text, true)},
		})
		fmt.Fprintf(&out, "%s: %s\n", n.Level, text)
	}
	s.SystemOut = jtext(out.String(), true)
	return s
}
