// Package waiver applies the inventory's waiver blocks to evaluated results:
// a matching fail or unknown becomes waived, with the waiver's reason,
// owner, ticket and expiry attached. It also reports the state of every
// waiver (kaudit waiver list) and the problems worth telling an operator
// about: expired, expiring soon, matching nothing, or covering a critical
// check without allow_critical. docs/gate.md documents the semantics.
package waiver

import (
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

// ExpiringWithin is how far ahead an expiry is warned about.
const ExpiringWithin = 14 * 24 * time.Hour

// Notice levels: report.NoticeError (the waiver does not do what its
// author meant) and report.NoticeWarning (it works, but needs attention
// soon). Notices never change an exit code: the results a waiver does not
// cover keep their status and decide it.

// Covers reports whether w applies to a host with this name and groups:
// the name matches one of w.Hosts (path.Match globs; none = every host) and
// the host is in one of w.Groups (none = any group). Hosts and groups given
// together must both match.
func Covers(w *inventory.Waiver, name string, groups []string) bool {
	if len(w.Hosts) > 0 && !slices.ContainsFunc(w.Hosts, func(g string) bool {
		ok, _ := path.Match(g, name)
		return ok
	}) {
		return false
	}
	return len(w.Groups) == 0 || slices.ContainsFunc(w.Groups, func(g string) bool { return slices.Contains(groups, g) })
}

// CoversCheck reports whether one of w.Checks (ids or globs such as
// "kmem.*") matches the check id.
func CoversCheck(w *inventory.Waiver, id string) bool {
	return slices.ContainsFunc(w.Checks, func(p string) bool {
		ok, _ := path.Match(p, id)
		return ok
	})
}

// Ref is the WaiverRef a waived result carries.
func Ref(w *inventory.Waiver, original string) *policies.WaiverRef {
	return &policies.WaiverRef{
		Reason:         w.Reason,
		Owner:          w.Owner,
		Ticket:         w.Ticket,
		Expires:        Day(w),
		OriginalStatus: original,
	}
}

// Day is the waiver's expiry as written: YYYY-MM-DD (the waiver holds through
// the end of that day, UTC).
func Day(w *inventory.Waiver) string { return w.Expires.UTC().Format(time.DateOnly) }

// daysLeft is the number of calendar days (UTC) from now to the expiry
// day: 0 when it expires at the end of today.
func daysLeft(w *inventory.Waiver, now time.Time) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(w.Expires).Sub(day(now)).Hours() / 24)
}

// inDays is "today", "in 1 day" or "in N days".
func inDays(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", n)
}

// expiringSoon reports whether an unexpired waiver ends within ExpiringWithin.
func expiringSoon(w *inventory.Waiver, now time.Time) bool {
	return !w.Expired(now) && w.Expires.Sub(now) < ExpiringWithin
}

// waivable reports whether a result status can be waived.
func waivable(status string) bool {
	return status == policies.StatusFail || status == policies.StatusUnknown
}

// usage is what applying one waiver found.
type usage struct {
	hosts    int            // hosts of the report it covers
	waived   int            // results it waived
	expired  map[string]int // host → results it would have waived, had it not expired
	critical map[string]int // critical check id → results it could not waive
}

// Apply waives every fail or unknown result (current and, for the gate,
// projected) of r that a valid waiver covers: the first waiver in file
// order that covers the host and the check, has not expired at now, and
// either the check is not critical or the waiver sets allow_critical. The
// result's status becomes waived and its Waiver records the waiver and the
// original status. r is not finalized: the pipeline applies waivers before
// its one report.Finalize, which derives host statuses and the summary.
//
// checks are the loaded packs' checks: a waiver none of whose ids or globs
// names one of them is reported. The notices come in waiver order.
func Apply(r *report.Report, ws []*inventory.Waiver, checks []policies.CheckInfo, now time.Time) []report.Notice {
	if len(ws) == 0 {
		return nil
	}
	use := make([]usage, len(ws))
	for i := range use {
		use[i] = usage{expired: map[string]int{}, critical: map[string]int{}}
	}
	for hi := range r.Hosts {
		h := &r.Hosts[hi]
		var mine []int
		for i, w := range ws {
			if Covers(w, h.Name, h.Groups) {
				mine = append(mine, i)
				use[i].hosts++
			}
		}
		if len(mine) == 0 {
			continue
		}
		waive := func(results []policies.Result) {
			for k := range results {
				res := &results[k]
				if !waivable(res.Status) {
					continue
				}
				for _, i := range mine {
					w := ws[i]
					if !CoversCheck(w, res.ID) {
						continue
					}
					if w.Expired(now) {
						use[i].expired[h.Name]++
						continue
					}
					if res.Severity == "critical" && !w.AllowCritical {
						use[i].critical[res.ID]++
						continue
					}
					res.Waiver = Ref(w, res.Status)
					res.Status = policies.StatusWaived
					use[i].waived++
					break
				}
			}
		}
		waive(h.Results)
		waive(h.Projected)
	}
	var out []report.Notice
	for i, w := range ws {
		out = append(out, notices(w, use[i], checks, len(r.Hosts), now)...)
	}
	return out
}

// notices turns one waiver's usage into notices.
func notices(w *inventory.Waiver, u usage, checks []policies.CheckInfo, nhosts int, now time.Time) []report.Notice {
	var out []report.Notice
	add := func(level, format string, args ...any) {
		out = append(out, report.Notice{Level: level, Subject: fmt.Sprintf("waiver %q", label(w)), Position: w.DeclRange.String(), Message: fmt.Sprintf(format, args...)})
	}
	if w.Expired(now) {
		if n := sumValues(u.expired); n > 0 {
			add(report.NoticeError, "expired on %s and was not applied: %d result(s) on %d host(s) keep their fail/unknown status; extend it or fix the hosts", Day(w), n, len(u.expired))
		} else {
			add(report.NoticeError, "expired on %s and was not applied (it covers no failing result now); remove it", Day(w))
		}
	} else if expiringSoon(w, now) {
		add(report.NoticeWarning, "expires on %s (%s); extend it or fix the hosts before then", Day(w), inDays(daysLeft(w, now)))
	}
	for _, id := range sortedKeys(u.critical) {
		add(report.NoticeError, "%s is a critical check: not waived on %d result(s) because the waiver does not set allow_critical = true", id, u.critical[id])
	}
	if len(coveredChecks(w, checks)) == 0 {
		add(report.NoticeWarning, "matches no check of the loaded policy packs (%s)", joinQuoted(w.Checks))
	}
	if u.hosts == 0 {
		add(report.NoticeWarning, "matches none of the %d host(s) in this run", nhosts)
	}
	return out
}

// coveredChecks lists the ids of checks that w names, in pack order.
func coveredChecks(w *inventory.Waiver, checks []policies.CheckInfo) []policies.CheckInfo {
	var out []policies.CheckInfo
	for _, c := range checks {
		if CoversCheck(w, c.ID) {
			out = append(out, c)
		}
	}
	return out
}

// label is the waiver's block label: its first check id.
func label(w *inventory.Waiver) string {
	if len(w.Checks) == 0 {
		return ""
	}
	return w.Checks[0]
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func joinQuoted(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", v)
	}
	return out
}
