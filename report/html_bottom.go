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
	b := &htmlBottom{Check: bottomCheck, Title: clean(title), Total: len(r.Hosts)}
	byFix := map[string]*htmlFix{}
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
	slices.SortStableFunc(fixes, func(x, y *htmlFix) int { return cmp.Compare(count[y], count[x]) })
	for i, f := range fixes {
		if i == bottomGroupCap {
			b.MoreFixes = len(fixes) - i
			for _, g := range fixes[i:] {
				b.MoreFixHosts += count[g]
			}
			break
		}
		f.ID = "fix-" + strconv.Itoa(i+1)
		for j, st := range remediationSteps(f.Remediation) {
			f.Steps = append(f.Steps, htmlStep{ID: f.ID + "-" + strconv.Itoa(j+1), Label: st[0], Cmd: st[1]})
		}
		b.Fixes = append(b.Fixes, *f)
	}
	switch {
	case b.Exposed > 0:
		b.Class = "bad"
	case b.Unknown > 0 || b.Unreach > 0:
		b.Class = "warn"
	default:
		b.Class = "ok"
	}
	return b
}

func findResult(rs []policies.Result, id string) *policies.Result {
	for i := range rs {
		if rs[i].ID == id {
			return &rs[i]
		}
	}
	return nil
}
