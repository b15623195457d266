package report

import (
	"bytes"
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

// ANSI SGR codes used by the text renderer.
const (
	ansiBold    = "1"
	ansiDim     = "2"
	ansiRed     = "31"
	ansiGreen   = "32"
	ansiYellow  = "33"
	ansiMagenta = "35"
	ansiCyan    = "36"
)

type textOut struct {
	buf   bytes.Buffer
	color bool
	width int
}

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

// c wraps s in an SGR colour when colours are on.
func (o *textOut) c(code, s string) string {
	if !o.color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (o *textOut) line(parts ...string) {
	for _, p := range parts {
		o.buf.WriteString(p)
	}
	o.buf.WriteByte('\n')
}

// clip cleans s to one line and cuts it to n display cells with "…".
func clip(s string, n int) string {
	s = cleanText(s, false)
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// pad right-pads s (already clean) to n runes.
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// wrap cleans s and wraps it into lines of at most n runes (a longer word is
// split, never dropped), keeping its own line breaks. Linear in len(s).
func wrap(s string, n int) []string {
	n = max(n, 1)
	var out []string
	for _, para := range strings.Split(cleanText(s, true), "\n") {
		cur, curN := "", 0
		for _, w := range strings.Fields(para) {
			wn := utf8.RuneCountInString(w)
			if wn > n {
				if cur != "" {
					out = append(out, cur)
				}
				rw := []rune(w)
				for len(rw) > n {
					out = append(out, string(rw[:n]))
					rw = rw[n:]
				}
				w, wn, cur, curN = string(rw), len(rw), "", 0
			}
			switch {
			case cur == "":
				cur, curN = w, wn
			case curN+1+wn <= n:
				cur, curN = cur+" "+w, curN+1+wn
			default:
				out = append(out, cur)
				cur, curN = w, wn
			}
		}
		out = append(out, cur)
	}
	for len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// bound limits how much of one message the text report shows. Messages can
// quote what a host sent (collector stderr, kernel log lines) and a report
// read back may come from anywhere, so a message is bounded, generously:
// the remedies kaudit writes (ssh-keyscan, ssh-keygen -R, raise
// connect_timeout) end a message of well under 1 KiB and are never cut. What
// is left out is counted and where it can be read is said.
type bound struct {
	lines, bytes int    // at most this many wrapped lines and bytes of text
	where        string // where the rest is, e.g. "--verbose, or the JSON report"
}

var (
	// listBound: one entry of the UNREACHABLE, INCOMPLETE, NONCOMPLIANT lists.
	listBound = bound{lines: 40, bytes: 4 << 10, where: "--verbose, or the JSON report"}
	// listBoundVerbose: the same with --verbose, whose host details follow.
	listBoundVerbose = bound{lines: 40, bytes: 4 << 10, where: "the host's details below, and the JSON report"}
	// detailBound: one message of a host's details (--verbose).
	detailBound = bound{lines: 400, bytes: 64 << 10, where: "the JSON report"}
)

// hang writes lead then text wrapped to the width, continuation lines
// indented to lead's visible width (lead may hold our colours). Nothing is
// cut; the whole text is shown.
func (o *textOut) hang(lead, text string) { o.hangBounded(lead, text, bound{}) }

// hangBounded is hang showing at most b (the zero bound: everything), then
// a line "… (N more lines: where)" when text was longer.
func (o *textOut) hangBounded(lead, text string, b bound) {
	ind := utf8.RuneCountInString(cleanText(lead, false))
	lines := wrap(text, max(o.width-ind, 20))
	more := 0
	if b.lines > 0 {
		n, size := 0, 0
		for n < len(lines) && n < b.lines && (n == 0 || size+len(lines[n])+1 <= b.bytes) {
			size += len(lines[n]) + 1
			n++
		}
		lines, more = lines[:n], len(lines)-n
	}
	for i, l := range lines {
		if i > 0 {
			lead = strings.Repeat(" ", ind)
		}
		if l == "" {
			o.line()
			continue
		}
		o.line(lead, l)
	}
	if more > 0 {
		o.dim(strings.Repeat(" ", ind), fmt.Sprintf("… (%d more %s: %s)", more, plural(more, "line", "lines"), b.where))
	}
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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

// dim writes s wrapped to the width in the dim colour, each line after
// indent.
func (o *textOut) dim(indent, s string) {
	for _, l := range wrap(s, max(o.width-utf8.RuneCountInString(indent), 20)) {
		o.line(indent, o.c(ansiDim, l))
	}
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
