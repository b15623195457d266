package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kaudit/kaudit/policies"
)

// Text is the terminal renderer: a fleet summary (hosts per status, failing
// checks with host counts, unreachable, incomplete and noncompliant hosts),
// the gate plan when set, then with Verbose every host's results. Every
// string from a host goes through cleanText: escape sequences and control
// characters never reach the terminal.
type Text struct{ Options }

// textListCap bounds each host list of the summary unless Verbose.
const textListCap = 20

// Render writes r as text to w.
func (t *Text) Render(w io.Writer, r *Report) error {
	o := &textOut{color: t.Color, width: t.Width}
	if o.width <= 0 {
		o.width = 100
	}
	o.width = max(o.width, 40)
	o.header(r)
	o.hostSummary(r)
	o.failingChecks(r)
	o.lists(r, t.Verbose)
	o.soonest(r, t.Verbose)
	if r.Plan != nil {
		o.plan(r, t.Verbose)
	}
	o.notices(r)
	o.verdict(r)
	if t.Verbose {
		for i := range r.Hosts {
			o.hostDetail(r, &r.Hosts[i])
		}
	} else if len(r.Hosts) > 0 {
		o.dim("", "Use --verbose for every host's results; the JSON and HTML reports carry the evidence.")
	}
	_, err := w.Write(o.buf.Bytes())
	if err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

func hostColor(status string) string {
	switch status {
	case HostNoncompliant:
		return ansiRed
	case HostUnreachable:
		return ansiMagenta
	case HostIncomplete:
		return ansiYellow
	case HostCompliant:
		return ansiGreen
	}
	return ansiDim
}

func hostIcon(status string) string {
	switch status {
	case HostNoncompliant:
		return "✗"
	case HostUnreachable:
		return "!"
	case HostIncomplete:
		return "?"
	case HostCompliant:
		return "✓"
	}
	return "·"
}

func resultColor(status string) string {
	switch status {
	case policies.StatusFail, policies.StatusError:
		return ansiRed
	case policies.StatusUnknown:
		return ansiYellow
	case policies.StatusWaived:
		return ansiCyan
	case policies.StatusPass:
		return ansiGreen
	}
	return ansiDim
}

func resultIcon(status string) string {
	switch status {
	case policies.StatusFail:
		return "✗"
	case policies.StatusError:
		return "E"
	case policies.StatusUnknown:
		return "?"
	case policies.StatusWaived:
		return "~"
	case policies.StatusPass:
		return "✓"
	case policies.StatusNotApplicable:
		return "-"
	}
	return "·"
}

func (o *textOut) header(r *Report) {
	inv := r.Inventory
	if inv == "" {
		inv = "(none)"
	}
	o.line(o.c(ansiBold, "kaudit report"), " · inventory ", clip(inv, o.width-26))
	meta := []string{}
	if r.ToolVersion != "" {
		meta = append(meta, "kaudit "+clip(r.ToolVersion, 30))
	}
	if r.PolicyDigest != "" {
		meta = append(meta, "policy "+clip(shortDigest(r.PolicyDigest), 30))
	}
	meta = append(meta, "fail-on "+clip(r.FailOn, 10))
	o.line(strings.Join(meta, " · "))
	when := []string{}
	if r.StartedAt != "" {
		when = append(when, "started "+clip(r.StartedAt, 40))
	}
	if took := runTook(r); took != "" {
		when = append(when, "took "+took)
	}
	if len(when) > 0 {
		o.line(strings.Join(when, " · "))
	}
	if r.Interrupted {
		o.line(o.c(ansiBold+";"+ansiYellow, "INTERRUPTED"), ": the run was cancelled; hosts not reached are unreachable (timeout)")
	}
	if r.Baseline != "" || r.Summary.Baseline != nil {
		b := r.Summary.Baseline
		name := r.Baseline
		if name == "" {
			name = "(baseline)"
		}
		o.hang("baseline ", fmt.Sprintf("%s: %d new · %d fixed · %d unchanged · %d missing",
			clip(name, o.width/2), b[BaselineNew], b[BaselineFixed], b[BaselineUnchanged], b["missing"]))
	}
	o.line()
}

func (o *textOut) hostSummary(r *Report) {
	o.line(o.c(ansiBold, fmt.Sprintf("HOSTS  %d", len(r.Hosts))))
	for _, st := range HostStatuses() {
		n := r.Summary.Hosts[st]
		label := pad(hostIcon(st)+" "+st, 16)
		count := fmt.Sprintf("%5d", n)
		if n > 0 {
			label, count = o.c(hostColor(st), label), o.c(hostColor(st), count)
		} else {
			label, count = o.c(ansiDim, label), o.c(ansiDim, count)
		}
		o.line("  ", label, count)
	}
	parts := []string{}
	for _, st := range ResultStatuses() {
		parts = append(parts, fmt.Sprintf("%d %s", r.Summary.Results[st], st))
	}
	o.hang("results  ", strings.Join(parts, " · "))
	o.line()
}

func (o *textOut) failingChecks(r *Report) {
	type row struct {
		c policies.CheckInfo
		n int
	}
	var rows []row
	for _, c := range checkCatalog(r) {
		if n := r.Summary.Failing[c.ID]; n > 0 {
			rows = append(rows, row{c, n})
		}
	}
	if len(rows) == 0 {
		o.line(o.c(ansiBold, "FAILING CHECKS"), "  none")
		o.line()
		return
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(policies.SeverityRank(b.c.Severity), policies.SeverityRank(a.c.Severity)), cmp.Compare(b.n, a.n))
	})
	idw := 0
	for _, x := range rows {
		idw = max(idw, utf8.RuneCountInString(clip(x.c.ID, 40)))
	}
	o.line(o.c(ansiBold, "FAILING CHECKS"), o.c(ansiDim, "  hosts failing each check"))
	for _, x := range rows {
		sev := pad(clip(x.c.Severity, 8), 8)
		id := pad(clip(x.c.ID, 40), idw)
		rest := o.width - 2 - 9 - idw - 8
		title := clip(x.c.Title, rest)
		count := fmt.Sprintf("%6d", x.n)
		if atOrAbove(x.c.Severity, r.FailOn) {
			o.line("  ", o.c(ansiRed, sev), " ", id, o.c(ansiBold, count), "  ", title)
		} else {
			o.line("  ", o.c(ansiDim, sev+" "+id+count+"  "+title))
		}
	}
	o.line()
}

// lists prints the unreachable, incomplete and noncompliant hosts, capped
// unless verbose.
func (o *textOut) lists(r *Report, verbose bool) {
	section := func(status, title string, describe func(h *Host) string) {
		var hosts []*Host
		for i := range r.Hosts {
			if r.Hosts[i].Status == status {
				hosts = append(hosts, &r.Hosts[i])
			}
		}
		if len(hosts) == 0 {
			return
		}
		o.line(o.c(ansiBold+";"+hostColor(status), fmt.Sprintf("%s  %d", title, len(hosts))))
		namew, addrw := 0, 0
		for _, h := range hosts {
			namew = min(max(namew, utf8.RuneCountInString(clip(h.Name, 30))), 30)
			addrw = min(max(addrw, utf8.RuneCountInString(clip(h.Address, 40))), 40)
		}
		shown := hosts
		if !verbose && len(shown) > textListCap {
			shown = shown[:textListCap]
		}
		b := listBound
		if verbose {
			b = listBoundVerbose
		}
		// Name and address columns, the message beside them; when they
		// leave less than 40 columns, each message goes under its host.
		stacked := 2+namew+2+addrw+2 > o.width-40
		for _, h := range shown {
			if stacked {
				o.line(clip("  "+h.Name+"  "+h.Address, o.width))
				o.hangBounded("      ", describe(h), b)
				continue
			}
			o.hangBounded("  "+pad(clip(h.Name, 30), namew)+"  "+pad(clip(h.Address, 40), addrw)+"  ", describe(h), b)
		}
		if len(shown) < len(hosts) {
			o.line(o.c(ansiDim, fmt.Sprintf("  … and %d more", len(hosts)-len(shown))))
		}
		o.line()
	}
	section(HostUnreachable, "UNREACHABLE", func(h *Host) string {
		s := h.Reason
		if t := reasonText(h.Reason); t != h.Reason {
			s += " (" + t + ")"
		}
		if h.Error != "" {
			s += ": " + h.Error
		}
		return s
	})
	section(HostIncomplete, "INCOMPLETE", func(h *Host) string {
		if len(h.Results) == 0 {
			return "no results"
		}
		var order []string
		by := map[string][]string{}
		for _, res := range sortedResults(h.Results) {
			if atOrAbove(res.Severity, r.FailOn) && (res.Status == policies.StatusError || statusOrder(res.Status) == statusOrder(policies.StatusUnknown)) {
				if by[res.Status] == nil {
					order = append(order, res.Status)
				}
				by[res.Status] = append(by[res.Status], res.ID)
			}
		}
		parts := []string{}
		for _, st := range order {
			parts = append(parts, st+": "+strings.Join(by[st], ", "))
		}
		return strings.Join(parts, "; ")
	})
	section(HostNoncompliant, "NONCOMPLIANT", func(h *Host) string {
		var ids []string
		below := 0
		for _, res := range sortedResults(h.Results) {
			if res.Status != policies.StatusFail {
				continue
			}
			if !atOrAbove(res.Severity, r.FailOn) {
				below++
				continue
			}
			id := res.ID
			if res.Baseline == BaselineNew {
				id += " (new)"
			}
			ids = append(ids, id)
		}
		s := strings.Join(ids, ", ")
		if below > 0 {
			s += fmt.Sprintf(" (+%d below fail-on)", below)
		}
		return s
	})
	if len(r.BaselineMissing) > 0 {
		o.line(o.c(ansiBold, fmt.Sprintf("NOT RE-CHECKED  %d", len(r.BaselineMissing))),
			o.c(ansiDim, "  failed in the baseline, no result now"))
		shown := r.BaselineMissing
		if !verbose && len(shown) > textListCap {
			shown = shown[:textListCap]
		}
		for _, m := range shown {
			o.line("  ", clip(m.Host+"  "+m.Check+"  "+strings.ReplaceAll(m.Why, "_", " "), o.width-2))
		}
		if len(shown) < len(r.BaselineMissing) {
			o.line(o.c(ansiDim, fmt.Sprintf("  … and %d more", len(r.BaselineMissing)-len(shown))))
		}
		o.line()
	}
}

// notices prints Report.Notices: errors in red, warnings in yellow, each
// with where its subject is declared.
func (o *textOut) notices(r *Report) {
	if len(r.Notices) == 0 {
		return
	}
	o.line(o.c(ansiBold, fmt.Sprintf("NOTICES  %d", len(r.Notices))), o.c(ansiDim, "  no result or exit code changed"))
	for _, n := range r.Notices {
		col := ansiYellow
		if n.Level != NoticeWarning {
			col = ansiRed
		}
		o.hang("  "+o.c(col, pad(clip(n.Level, 8), 8))+" ", noticeText(n))
	}
	o.line()
}

// noticeText is "position: subject: message", leaving out what is empty.
func noticeText(n Notice) string {
	var parts []string
	for _, s := range []string{n.Position, n.Subject, n.Message} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

func (o *textOut) verdict(r *Report) {
	code := ExitCode(r)
	var label, msg string
	switch code {
	case ExitFailing:
		if r.Plan != nil {
			msg = "gate: no-go"
		} else {
			msg = fmt.Sprintf("%d of %d hosts fail checks at or above %s", r.Summary.Hosts[HostNoncompliant], len(r.Hosts), r.FailOn)
		}
		label = o.c(ansiBold+";"+ansiRed, "FAIL")
	case ExitIncomplete:
		switch {
		case len(r.Hosts) == 0:
			msg = "no hosts audited"
		case r.Plan != nil:
			msg = "gate could not judge every host"
		default:
			msg = fmt.Sprintf("no failures at or above %s, but %d unreachable and %d incomplete",
				r.FailOn, r.Summary.Hosts[HostUnreachable], r.Summary.Hosts[HostIncomplete])
			if r.Interrupted {
				msg += "; run interrupted"
			}
		}
		label = o.c(ansiBold+";"+ansiYellow, "INCOMPLETE")
	default:
		if r.Plan != nil {
			msg = "gate: go"
		} else {
			msg = fmt.Sprintf("%s compliant at %s", hostsN(len(r.Hosts)), r.FailOn)
			if len(r.Hosts) > 1 {
				msg = "all " + msg
			}
		}
		label = o.c(ansiBold+";"+ansiGreen, "OK")
	}
	exit := fmt.Sprintf("  (exit %d)", code)
	if utf8.RuneCountInString(cleanText(label, false)+"  "+msg+exit) <= o.width {
		o.line(label, "  ", msg, o.c(ansiDim, exit))
		return
	}
	o.hang(label+"  ", msg+exit)
}

func (o *textOut) hostDetail(r *Report, h *Host) {
	o.line()
	title := fmt.Sprintf("── %s %s · %s ", hostIcon(h.Status), clip(h.Name, 40), strings.ToUpper(h.Status))
	if h.Address != "" && h.Address != h.Name {
		// The address gets what the width leaves (at least 8 columns).
		room := min(max(o.width-utf8.RuneCountInString(title)-5, 8), 40)
		title = fmt.Sprintf("── %s %s (%s) · %s ", hostIcon(h.Status), clip(h.Name, 40), clip(h.Address, room), strings.ToUpper(h.Status))
	}
	rule := max(o.width-utf8.RuneCountInString(title), 2)
	o.line(o.c(ansiBold+";"+hostColor(h.Status), title+strings.Repeat("─", rule)))
	var meta []string
	if len(h.Groups) > 0 {
		meta = append(meta, "groups "+strings.Join(h.Groups, ", "))
	}
	if len(h.Labels) > 0 {
		meta = append(meta, "labels "+strings.Join(labelPairs(h.Labels), " "))
	}
	if len(meta) > 0 {
		o.hang("   ", strings.Join(meta, " · "))
	}
	var facts []string
	if s := hostOS(h); s != "" {
		facts = append(facts, s)
	}
	if s := hostKernel(h); s != "" {
		facts = append(facts, "kernel "+s)
	}
	facts = append(facts, hostRuntimes(h)...)
	if h.DurationMS > 0 {
		facts = append(facts, fmtDuration(msDuration(h.DurationMS)))
	}
	if len(facts) > 0 {
		o.hang("   ", strings.Join(facts, " · "))
	}
	if h.Status == HostUnreachable {
		o.line("   ", o.c(ansiMagenta, "unreachable: "+clip(h.Reason, 20)), " ", clip(reasonText(h.Reason), 40))
	}
	if h.Error != "" {
		o.hangBounded("      ", h.Error, detailBound)
	}
	if r.Plan != nil {
		o.hostGate(r, h)
	}
	stw := 0
	for _, res := range h.Results {
		stw = max(stw, utf8.RuneCountInString(clip(res.Status, 16)))
	}
	proj := projectedByID(h)
	seenFix := map[string]string{} // remediation → first check showing it
	for _, res := range sortedResults(h.Results) {
		st := pad(resultIcon(res.Status)+" "+clip(res.Status, 16), stw+3)
		tag := ""
		switch res.Baseline {
		case BaselineNew:
			tag = "  " + o.c(ansiRed, "[new]")
		case BaselineFixed:
			tag = "  " + o.c(ansiGreen, "[fixed]")
		}
		o.line("   ", o.c(resultColor(res.Status), st), pad(clip(res.Severity, 8), 9), clip(res.ID, 40), tag)
		indent := "      "
		o.hangBounded(indent, res.Message, detailBound)
		if w := res.Waiver; w != nil && res.Status == policies.StatusWaived {
			o.waiver(indent, w)
		}
		if p := proj[res.ID]; p != nil && planChanges(&res, p, r.FailOn) {
			o.afterPlan(indent, p)
		}
		if res.Remediation != "" && statusOrder(res.Status) <= 2 {
			if first, ok := seenFix[res.Remediation]; ok {
				o.line(indent, o.c(ansiDim, "fix: same as "+clip(first, 40)))
			} else {
				seenFix[res.Remediation] = res.ID
				o.hangBounded(indent+o.c(ansiDim, "fix: "), res.Remediation, detailBound)
			}
		}
	}
	// Checks with a result only after the plan.
	var only []policies.Result
	for _, res := range h.Projected {
		if !slices.ContainsFunc(h.Results, func(c policies.Result) bool { return c.ID == res.ID }) {
			only = append(only, res)
		}
	}
	for _, p := range sortedResults(only) {
		o.line("   ", o.c(ansiDim, pad("· none", stw+3)), pad(clip(p.Severity, 8), 9), clip(p.ID, 40))
		o.afterPlan("      ", &p)
	}
}

// waiver prints a waived result's waiver line.
func (o *textOut) waiver(indent string, w *policies.WaiverRef) {
	for _, l := range wrap(waiverLine(w), o.width-len(indent)) {
		o.line(indent, o.c(ansiCyan, l))
	}
}
