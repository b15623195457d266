package report

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// The bottom line, the HTML report's first section: how many nodes are
// exposed to the kmem leak (kmem.risk fails), which, and the one shortest
// fix for each — the kmem.risk result's remediation, shown inline with a
// copy button. Nodes that share a fix are listed together, so a fleet of
// thousands reads as a handful of fixes.

// bottomCheck is the check whose verdict is the bottom line.
const bottomCheck = "kmem.risk"

const (
	// bottomGroupCap bounds the fixes listed; bottomNameCap the hosts named
	// per fix (the host table, filtered by kmem.risk, has them all).
	bottomGroupCap = 8
	bottomNameCap  = 24
)

type htmlBottom struct {
	Check, Title                       string
	Total, Exposed, Unknown, Unreach   int
	NotExposed, NotApplicable, NoCheck int
	Class                              string // bad, warn, ok
	Fixes                              []htmlFix
	MoreFixes, MoreFixHosts            int
	Unjudged                           []htmlUnjudged
	UnjudgedMore                       int
	UnreachNames                       []string
	UnreachMore                        int
	// Others are the hosts that fail at or above fail-on although they are
	// not exposed (kmem.risk does not fail): the verdict counts them, so
	// the first screen names them too, grouped by what they fail.
	Others                 []htmlOther
	OthersN                int // hosts in Others, every one counted
	MoreOthers, MoreOtherN int // groups left out, and their hosts
	FailOn                 string
}

// htmlOther is a group of hosts failing the same checks at or above
// fail-on while not exposed: the checks, why both verdicts hold (the
// host's first explanation, html_explain.go) and the leading check's
// remediation when it has one.
type htmlOther struct {
	Checks []string
	Why    string
	Steps  []htmlStep
	Hosts  []string
	More   int
}

// htmlFix is one fix and the exposed hosts it is the shortest fix for.
type htmlFix struct {
	ID          string     // element id of its commands
	Fix         string     // the fix in words, from the message ("shortest fix: …")
	Remediation string     // the commands
	Steps       []htmlStep // Remediation step by step, each with its copy button
	Hosts       []string
	More        int
}

// htmlStep is one step of a fix: what it does in words (may be empty) and
// the command line(s) its button copies.
type htmlStep struct {
	ID, Label, Cmd string
}

type htmlUnjudged struct {
	Name, Message string
}

// shortestFix finds the fix in words in a kmem.risk message: the text after
// its last "shortest fix:" (or "fix:").
var shortestFix = regexp.MustCompile(`(?:shortest fix|(?:^|[\s—-])fix):\s*([^;]+)$`)

// clearIt finds what clears a leak that has occurred ("clear it: drain and
// reboot; then shortest fix: …").
var clearIt = regexp.MustCompile(`clear it:\s*([^;]+)`)

func fixWords(message string) string {
	m := shortestFix.FindStringSubmatch(message)
	if m == nil {
		return ""
	}
	fix := strings.TrimSpace(m[1])
	if c := clearIt.FindStringSubmatch(message); c != nil {
		fix = strings.TrimSpace(c[1]) + ", then " + fix
	}
	return fix
}

// htmlBottomOf is nil when the report has no bottomCheck (another pack).
func htmlBottomOf(r *Report) *htmlBottom {
	var title string
	for _, c := range checkCatalog(r) {
		if c.ID == bottomCheck {
			title = c.Title
		}
	}
	if title == "" {
		return nil
	}
	clean := func(s string) string { return cleanText(s, false) }
	b := &htmlBottom{Check: bottomCheck, Title: clean(title), Total: len(r.Hosts), FailOn: clean(r.FailOn)}
	byFix := map[string]*htmlFix{}
	byOther := map[string]*htmlOther{}
	var others []*htmlOther
	otherN := map[*htmlOther]int{}
	var fixes []*htmlFix
	count := map[*htmlFix]int{}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		if h.Status == HostUnreachable {
			b.Unreach++
			if len(b.UnreachNames) < bottomNameCap {
				b.UnreachNames = append(b.UnreachNames, clean(h.Name))
			} else {
				b.UnreachMore++
			}
			continue
		}
		res := findResult(h.Results, bottomCheck)
		if h.Status == HostNoncompliant && (res == nil || res.Status != policies.StatusFail) {
			o, key := otherOf(h, r.FailOn)
			g := byOther[key]
			if g == nil {
				g = o
				byOther[key] = g
				others = append(others, g)
			}
			otherN[g]++
			b.OthersN++
			if len(g.Hosts) < bottomNameCap {
				g.Hosts = append(g.Hosts, clean(h.Name))
			} else {
				g.More++
			}
		}
		switch {
		case res == nil:
			b.NoCheck++
		case res.Status == policies.StatusFail:
			b.Exposed++
			rem := cleanText(res.Remediation, true)
			f := byFix[rem]
			if f == nil {
				f = &htmlFix{Remediation: rem, Fix: clean(fixWords(res.Message))}
				byFix[rem] = f
				fixes = append(fixes, f)
			}
			count[f]++
			if len(f.Hosts) < bottomNameCap {
				f.Hosts = append(f.Hosts, clean(h.Name))
			} else {
				f.More++
			}
		case res.Status == policies.StatusPass, res.Status == policies.StatusWaived:
			b.NotExposed++
		case res.Status == policies.StatusNotApplicable:
			b.NotApplicable++
		default: // unknown, error
			b.Unknown++
			if len(b.Unjudged) < bottomNameCap {
				b.Unjudged = append(b.Unjudged, htmlUnjudged{Name: clean(h.Name), Message: cleanText(res.Message, true)})
			} else {
				b.UnjudgedMore++
			}
		}
	}
	// The fix most hosts need first.
	fixes, b.MoreFixes, b.MoreFixHosts = biggestGroups(fixes, count)
	for i, f := range fixes {
		f.ID = "fix-" + strconv.Itoa(i+1)
		for j, st := range remediationSteps(f.Remediation) {
			f.Steps = append(f.Steps, htmlStep{ID: f.ID + "-" + strconv.Itoa(j+1), Label: st[0], Cmd: st[1]})
		}
		b.Fixes = append(b.Fixes, *f)
	}
	others, b.MoreOthers, b.MoreOtherN = biggestGroups(others, otherN)
	for i, g := range others {
		for j := range g.Steps {
			g.Steps[j].ID = "other-" + strconv.Itoa(i+1) + "-" + strconv.Itoa(j+1)
		}
		b.Others = append(b.Others, *g)
	}
	switch {
	case b.Exposed > 0 || b.OthersN > 0:
		b.Class = "bad"
	case b.Unknown > 0 || b.Unreach > 0:
		b.Class = "warn"
	default:
		b.Class = "ok"
	}
	return b
}

// otherOf describes a noncompliant host that is not exposed: the checks it
// fails at or above failOn (most severe first), its first explanation and
// the remediation of the first of them that has one; key groups hosts
// that read the same.
func otherOf(h *Host, failOn string) (*htmlOther, string) {
	o := &htmlOther{}
	var rem string
	for _, res := range sortedResults(h.Results) {
		if res.Status != policies.StatusFail || !atOrAbove(res.Severity, failOn) {
			continue
		}
		o.Checks = append(o.Checks, cleanText(res.ID, false))
		if rem == "" {
			rem = cleanText(res.Remediation, true)
		}
	}
	if x := explain(h, failOn); len(x) > 0 {
		o.Why = cleanText(x[0], true)
	}
	if rem != "" {
		for _, st := range remediationSteps(rem) {
			o.Steps = append(o.Steps, htmlStep{Label: st[0], Cmd: st[1]})
		}
	}
	return o, strings.Join(o.Checks, ",") + "\x00" + o.Why + "\x00" + rem
}

func findResult(rs []policies.Result, id string) *policies.Result {
	for i := range rs {
		if rs[i].ID == id {
			return &rs[i]
		}
	}
	return nil
}

// biggestGroups orders groups by their host count n, most first (ties in
// their order of appearance), and keeps bottomGroupCap of them; it returns
// how many groups and hosts were left out.
func biggestGroups[T any](groups []*T, n map[*T]int) (kept []*T, moreGroups, moreHosts int) {
	slices.SortStableFunc(groups, func(x, y *T) int { return cmp.Compare(n[y], n[x]) })
	if len(groups) <= bottomGroupCap {
		return groups, 0, 0
	}
	for _, g := range groups[bottomGroupCap:] {
		moreHosts += n[g]
	}
	return groups[:bottomGroupCap], len(groups) - bottomGroupCap, moreHosts
}
