package report

import (
	"fmt"
	"html/template"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kaudit/kaudit/policies"
)

// The HTML report's view model: what html/template renders on the server
// (verdict, summary cards, the check × group matrix, unreachable hosts, the
// gate plan, notices), every remote string already cleaned. html.go renders
// it; html_island.go holds the data the page's script renders.

// htmlView is the template's data.
type htmlView struct {
	Title        string
	Inventory    string
	InvName      string // the inventory file's name (htmlInventoryName), for the heading
	ToolVersion  string
	PolicyDigest string
	PolicyShort  string
	Started      string
	Duration     string
	FailOn       string
	Interrupted  bool
	Baseline     string
	BaselineN    map[string]int
	Verdict      htmlVerdict
	HostCards    []htmlCount
	ResultCounts []htmlCount
	HostTotal    int
	Groups       []string
	Matrix       []htmlMatrixRow
	Unreachable  []htmlUnreachable
	UnreachMore  int
	Reasons      []htmlCount
	Plan         *htmlPlan
	Soonest      *htmlSoonest // html_forecast.go
	Bottom       *htmlBottom  // html_bottom.go
	Notices      []htmlNotice
	Missing      []BaselineMissing
	MissingMore  int
	Data         template.JS
	CSS          template.CSS
	JS           template.JS
	CSP          string
}

type htmlVerdict struct {
	Class, Icon, Word, Text string
	Code                    int
}

type htmlCount struct {
	Key, Label, Icon string
	N                int
}

type htmlMatrixRow struct {
	Check    policies.CheckInfo
	AtFailOn bool
	All      htmlCell
	Cells    []htmlCell
}

type htmlCell struct {
	Group, Class, Title string
	Fail, Total         int
}

type htmlUnreachable struct {
	Name, Address, Reason, ReasonText, Error string
}

type htmlPlan struct {
	File, Verdict, VerdictClass string
	Reasons                     []planReason
	Rows                        []htmlPlanRow
	More                        int
}

type htmlPlanRow struct {
	Name, Current, Projected, Gate, GateClass, Reason string
	Blockers                                          []string
}

type htmlNotice struct {
	Level, Class, Icon, Subject, Message, Position string
}

func htmlViewOf(r *Report) htmlView {
	clean := func(s string) string { return cleanText(s, false) }
	v := htmlView{
		Inventory:    clean(r.Inventory),
		InvName:      htmlInventoryName(r),
		ToolVersion:  clean(r.ToolVersion),
		PolicyDigest: clean(r.PolicyDigest),
		PolicyShort:  clean(shortDigest(r.PolicyDigest)),
		Started:      clean(strings.Replace(strings.TrimSuffix(r.StartedAt, "Z"), "T", " ", 1)),
		FailOn:       clean(r.FailOn),
		Interrupted:  r.Interrupted,
		Baseline:     clean(r.Baseline),
		HostTotal:    len(r.Hosts),
	}
	if strings.HasSuffix(r.StartedAt, "Z") {
		v.Started += " UTC"
	}
	v.Title = htmlTitle(r)
	v.Duration = runTook(r)
	v.Soonest = htmlSoonestOf(r)
	v.Bottom = htmlBottomOf(r)
	if r.Summary.Baseline != nil {
		v.BaselineN = r.Summary.Baseline
	}
	v.Verdict = htmlVerdictOf(r)
	for _, st := range HostStatuses() {
		v.HostCards = append(v.HostCards, htmlCount{Key: st, Label: st, Icon: hostIcon(st), N: r.Summary.Hosts[st]})
	}
	for _, st := range ResultStatuses() {
		v.ResultCounts = append(v.ResultCounts, htmlCount{Key: st, Label: strings.ReplaceAll(st, "_", " "), Icon: htmlResultIcon(st), N: r.Summary.Results[st]})
	}
	v.Groups, v.Matrix = htmlMatrix(r)
	if len(v.Groups) == 1 && htmlOneGroup(r) { // a group column would repeat "All hosts"
		v.Groups = nil
		for i := range v.Matrix {
			v.Matrix[i].Cells = nil
		}
	}

	reasons := map[string]int{}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		if h.Status != HostUnreachable {
			continue
		}
		reasons[h.Reason]++
		if len(v.Unreachable) == htmlHostCap {
			v.UnreachMore++
			continue
		}
		v.Unreachable = append(v.Unreachable, htmlUnreachable{
			Name: clean(h.Name), Address: clean(h.Address), Reason: clean(h.Reason),
			ReasonText: clean(reasonText(h.Reason)), Error: cleanText(h.Error, true),
		})
	}
	for k, n := range reasons {
		v.Reasons = append(v.Reasons, htmlCount{Key: clean(k), Label: clean(reasonText(k)), N: n})
	}
	slices.SortStableFunc(v.Reasons, func(a, b htmlCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Key, b.Key)
	})

	if p := r.Plan; p != nil {
		hp := &htmlPlan{File: clean(p.File), Verdict: clean(p.Verdict), VerdictClass: "bad"}
		if p.Verdict == GateGo {
			hp.VerdictClass = "ok"
		}
		for _, reason := range planReasons(p) {
			hp.Reasons = append(hp.Reasons, planReason{Text: clean(reason.Text), Failing: reason.Failing})
		}
		for _, h := range planHosts(r) { // no-go first: what the reader has to act on
			if len(hp.Rows) == htmlHostCap {
				hp.More++
				continue
			}
			row := htmlPlanRow{Name: clean(h.Name), Current: h.Status, Projected: projectedStatus(h, r.FailOn), Gate: clean(h.Gate), GateClass: "bad"}
			switch h.Gate {
			case GateGo:
				row.GateClass = "ok"
			case "":
				row.Gate, row.GateClass, row.Reason = "not judged", "unr", clean(h.Reason)
			}
			for _, b := range h.GateBlockers {
				row.Blockers = append(row.Blockers, clean(b))
			}
			hp.Rows = append(hp.Rows, row)
		}
		v.Plan = hp
	}
	for _, n := range r.Notices {
		hn := htmlNotice{Level: clean(n.Level), Class: "bad", Icon: "✗", Subject: clean(n.Subject), Message: cleanText(n.Message, true), Position: clean(n.Position)}
		if n.Level == NoticeWarning {
			hn.Class, hn.Icon = "warn", "!"
		}
		v.Notices = append(v.Notices, hn)
	}

	for i, m := range r.BaselineMissing {
		if i == htmlHostCap {
			v.MissingMore = len(r.BaselineMissing) - i
			break
		}
		v.Missing = append(v.Missing, BaselineMissing{Host: clean(m.Host), Check: clean(m.Check), Title: clean(m.Title), Severity: clean(m.Severity), Why: strings.ReplaceAll(clean(m.Why), "_", " ")})
	}
	return v
}

// htmlTitle is the page's title: the inventory's name (its file's base name
// without extension, never a directory that may be temporary) and the run's
// start in UTC to the minute.
func htmlTitle(r *Report) string {
	t := "kaudit · " + htmlInventoryName(r)
	if r.Inventory == "" {
		t = "kaudit · fleet"
	}
	if at, err := time.Parse(time.RFC3339, r.StartedAt); err == nil {
		t += " · " + at.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	return t
}

// htmlInventoryName is the inventory's name: its file's base name without
// extension ("prod" for /tmp/x/prod.hcl), "" without an inventory.
func htmlInventoryName(r *Report) string {
	if r.Inventory == "" {
		return ""
	}
	name := path.Base(filepath.ToSlash(r.Inventory))
	name = strings.TrimSuffix(name, path.Ext(name))
	if name == "" || name == "." || name == "/" {
		return "fleet"
	}
	return cleanText(name, false)
}

func htmlVerdictOf(r *Report) htmlVerdict {
	code := ExitCode(r)
	v := htmlVerdict{Code: code}
	nc, un, inc := r.Summary.Hosts[HostNoncompliant], r.Summary.Hosts[HostUnreachable], r.Summary.Hosts[HostIncomplete]
	switch code {
	case ExitFailing:
		v.Class, v.Icon, v.Word = "bad", "✗", "Fail"
		if r.Plan != nil {
			n := 0
			for _, h := range r.Hosts {
				if h.Gate == "no-go" {
					n++
				}
			}
			v.Text = fmt.Sprintf("Gate: no-go — %s of %s hosts block the plan", comma(n), comma(len(r.Hosts)))
		} else {
			v.Text = fmt.Sprintf("%s of %s hosts fail checks at or above %s", comma(nc), comma(len(r.Hosts)), r.FailOn)
		}
	case ExitIncomplete:
		v.Class, v.Icon, v.Word = "warn", "?", "Incomplete"
		switch {
		case len(r.Hosts) == 0:
			v.Text = "No hosts were audited"
		case r.Plan != nil:
			v.Text = "Gate: the plan could not be judged on every host"
		default:
			v.Text = fmt.Sprintf("No failures at or above %s, but %s unreachable and %s incomplete", r.FailOn, comma(un), comma(inc))
		}
	default:
		v.Class, v.Icon, v.Word = "ok", "✓", "Pass"
		if r.Plan != nil {
			v.Text = "Gate: go"
		} else {
			v.Text = fmt.Sprintf("All %s hosts compliant at %s", comma(len(r.Hosts)), r.FailOn)
			if len(r.Hosts) == 1 {
				v.Text = "The host is compliant at " + r.FailOn
			}
		}
	}
	return v
}

// htmlMatrix builds the check × group matrix: per cell the hosts failing
// the check over the hosts where it was evaluated (not_applicable and
// unreachable hosts do not count).
func htmlMatrix(r *Report) ([]string, []htmlMatrixRow) {
	groups := htmlGroups(r)
	gi := map[string]int{}
	for i, g := range groups {
		gi[g] = i
	}
	type tally struct{ fail, unknown, total int }
	catalog := checkCatalog(r)
	ci := map[string]int{}
	for i, c := range catalog {
		ci[c.ID] = i
	}
	cells := make([][]tally, len(catalog)) // [check][group]; last column: all hosts
	for i := range cells {
		cells[i] = make([]tally, len(groups)+1)
	}
	for _, h := range r.Hosts {
		for _, res := range h.Results {
			if res.Status == policies.StatusNotApplicable {
				continue
			}
			row := cells[ci[res.ID]]
			cols := []int{len(groups)}
			for _, g := range h.Groups {
				cols = append(cols, gi[g])
			}
			for _, c := range cols {
				row[c].total++
				switch res.Status {
				case policies.StatusFail:
					row[c].fail++
				case policies.StatusPass, policies.StatusWaived:
				default:
					row[c].unknown++
				}
			}
		}
	}
	cell := func(c policies.CheckInfo, group string, t tally) htmlCell {
		hc := htmlCell{Group: cleanText(group, false), Fail: t.fail, Total: t.total}
		where := "hosts"
		if group != "" {
			where = "hosts in " + hc.Group
		}
		switch {
		case t.total == 0:
			hc.Class, hc.Title = "na", fmt.Sprintf("%s: not evaluated on any of the %s", c.ID, where)
		case t.fail > 0:
			hc.Class = "bad"
			if !atOrAbove(c.Severity, r.FailOn) {
				hc.Class = "low"
			}
			hc.Title = fmt.Sprintf("%s: %d of %d %s fail", c.ID, t.fail, t.total, where)
		case t.unknown > 0:
			hc.Class, hc.Title = "warn", fmt.Sprintf("%s: %d of %d %s unknown or error", c.ID, t.unknown, t.total, where)
		default:
			hc.Class, hc.Title = "ok", fmt.Sprintf("%s: none of %d %s fail", c.ID, t.total, where)
		}
		if t.fail > 0 && t.unknown > 0 {
			hc.Title += fmt.Sprintf(", %d unknown or error", t.unknown)
		}
		return hc
	}
	rows := make([]htmlMatrixRow, len(catalog))
	for i, c := range catalog {
		c.ID, c.Title, c.Severity = cleanText(c.ID, false), cleanText(c.Title, false), cleanText(c.Severity, false)
		row := htmlMatrixRow{Check: c, AtFailOn: atOrAbove(c.Severity, r.FailOn), All: cell(c, "", cells[i][len(groups)])}
		for j, g := range groups {
			row.Cells = append(row.Cells, cell(c, g, cells[i][j]))
		}
		rows[i] = row
	}
	// The bottom line first: kmem.risk, then by severity (critical first), then ID.
	slices.SortStableFunc(rows, func(a, b htmlMatrixRow) int {
		if ar, br := a.Check.ID == "kmem.risk", b.Check.ID == "kmem.risk"; ar != br {
			if ar {
				return -1
			}
			return 1
		}
		if d := policies.SeverityRank(b.Check.Severity) - policies.SeverityRank(a.Check.Severity); d != 0 {
			return d
		}
		return strings.Compare(a.Check.ID, b.Check.ID)
	})
	for i := range groups {
		groups[i] = cleanText(groups[i], false)
	}
	return groups, rows
}

// htmlGroups lists the groups of the report's hosts, sorted.
func htmlGroups(r *Report) []string {
	var out []string
	for _, h := range r.Hosts {
		out = append(out, h.Groups...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// htmlOneGroup reports whether every host is in exactly the same groups.
func htmlOneGroup(r *Report) bool {
	for _, h := range r.Hosts {
		if !slices.Equal(h.Groups, r.Hosts[0].Groups) {
			return false
		}
	}
	return true
}
