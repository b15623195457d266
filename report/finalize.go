package report

import (
	"github.com/kaudit/kaudit/policies"
)

// DefaultFailOn is the severity threshold when none is given.
const DefaultFailOn = "high"

// Exit codes of kaudit run and kaudit gate (docs/reports.md). ExitUsage
// is the CLI's own: ExitCode never returns it.
const (
	ExitCompliant  = 0 // every host compliant
	ExitFailing    = 1 // a failing check at or above FailOn (gate: no-go)
	ExitUsage      = 2 // usage, inventory or policy error: nothing audited
	ExitIncomplete = 3 // no failures, but hosts unreachable or incomplete
)

// HostStatuses lists the host statuses, worst first.
func HostStatuses() []string {
	return []string{HostNoncompliant, HostUnreachable, HostIncomplete, HostCompliant}
}

// ResultStatuses lists the result statuses, worst first.
func ResultStatuses() []string {
	return []string{
		policies.StatusFail, policies.StatusError, policies.StatusUnknown,
		policies.StatusWaived, policies.StatusPass, policies.StatusNotApplicable,
	}
}

// ValidateFailOn reports whether s is a severity usable as --fail-on
// (policies.ValidateFailOn).
func ValidateFailOn(s string) error { return policies.ValidateFailOn(s) }

// atOrAbove is policies.AtOrAbove: whether severity sev reaches failOn.
func atOrAbove(sev, failOn string) bool { return policies.AtOrAbove(sev, failOn) }

// HostStatusOf computes a reachable host's status from its results:
//   - noncompliant: a fail at or above failOn;
//   - incomplete: no such fail, but an unknown or error (or a status kaudit
//     does not know) at or above failOn, or no results at all — missing
//     evidence is never a pass;
//   - compliant otherwise (pass, not_applicable, waived, and anything below
//     the threshold).
//
// error is the policy failing to evaluate, not a finding about the host, so
// it makes a host incomplete, never noncompliant.
func HostStatusOf(results []policies.Result, failOn string) string {
	if len(results) == 0 {
		return HostIncomplete
	}
	status := HostCompliant
	for _, res := range results {
		if !atOrAbove(res.Severity, failOn) {
			continue
		}
		switch res.Status {
		case policies.StatusPass, policies.StatusNotApplicable, policies.StatusWaived:
		case policies.StatusFail:
			return HostNoncompliant
		default: // unknown, error, or a status this version does not know
			status = HostIncomplete
		}
	}
	return status
}

// Finalize fills in what is derived from the hosts' results: the threshold
// (failOn; "" keeps r.FailOn, else DefaultFailOn; an unknown severity becomes
// "info", the strictest, so a typo cannot hide failures — the CLI validates
// --fail-on with policies.ValidateFailOn first), each reachable host's status
// (HostStatusOf), and the Summary with every key present. A host whose status
// is unreachable (or that has a Reason and no status) stays unreachable.
// Nil slices and maps become empty so the JSON matches the schema.
func Finalize(r *Report, failOn string) {
	if failOn == "" {
		failOn = r.FailOn
	}
	if failOn == "" {
		failOn = DefaultFailOn
	}
	if policies.SeverityRank(failOn) < 0 {
		failOn = "info"
	}
	r.FailOn = failOn
	fillForecasts(r)
	if r.Schema == "" {
		r.Schema = Schema
	}
	if r.Hosts == nil {
		r.Hosts = []Host{}
	}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		fillHost(h)
		if h.Status == HostUnreachable || (h.Status == "" && h.Reason != "" && h.Facts == nil) {
			h.Status = HostUnreachable
			continue
		}
		h.Status = HostStatusOf(h.Results, failOn)
		if h.Reason != "" && h.Status == HostCompliant {
			// Partial facts (the run timed out or was interrupted on this
			// host): what arrived passed, what did not is not known.
			h.Status = HostIncomplete
		}
	}
	r.Summary = summarize(r)
}

// fillHost makes the host's required lists and maps non-nil.
func fillHost(h *Host) {
	if h.Groups == nil {
		h.Groups = []string{}
	}
	if h.Labels == nil {
		h.Labels = map[string]string{}
	}
	if h.Results == nil {
		h.Results = []policies.Result{}
	}
}

// summarize counts hosts per status, results per status, hosts per failing
// check and, when a baseline was applied, results per baseline mark.
func summarize(r *Report) Summary {
	s := Summary{
		Hosts:   map[string]int{},
		Results: map[string]int{},
		Failing: map[string]int{},
	}
	for _, st := range HostStatuses() {
		s.Hosts[st] = 0
	}
	for _, st := range ResultStatuses() {
		s.Results[st] = 0
	}
	baselined := r.Baseline != "" || len(r.BaselineMissing) > 0
	for i := range r.Hosts {
		h := &r.Hosts[i]
		s.Hosts[h.Status]++
		failing := map[string]bool{}
		for _, res := range h.Results {
			s.Results[res.Status]++
			if res.Status == policies.StatusFail && !failing[res.ID] {
				failing[res.ID] = true
				s.Failing[res.ID]++
			}
			baselined = baselined || res.Baseline != ""
		}
	}
	if baselined {
		s.Baseline = baselineCounts(r)
	}
	return s
}

// baselineCounts counts results per baseline mark, plus "missing".
func baselineCounts(r *Report) map[string]int {
	marks := map[string]int{BaselineNew: 0, BaselineFixed: 0, BaselineUnchanged: 0}
	for _, h := range r.Hosts {
		for _, res := range h.Results {
			if res.Baseline != "" {
				marks[res.Baseline]++
			}
		}
	}
	marks["missing"] = len(r.BaselineMissing)
	return marks
}

// ExitCode is the process exit code for a finalized report:
//   - a gate report (Plan set): 0 when the verdict is "go"; 1 when it is not
//     and some host's gate is "no-go"; 3 otherwise (the gate could not judge:
//     hosts unreachable or incomplete);
//   - 1 when a host is noncompliant (a fail at or above FailOn);
//   - 3 when none is, but a host is unreachable or incomplete, the run was
//     interrupted, or there are no hosts at all (nothing audited is no pass);
//   - 0 when every host is compliant.
func ExitCode(r *Report) int {
	if r.Plan != nil {
		if r.Plan.Verdict == "go" {
			return ExitCompliant
		}
		for _, h := range r.Hosts {
			if h.Gate == "no-go" {
				return ExitFailing
			}
		}
		return ExitIncomplete
	}
	code := ExitCompliant
	if r.Interrupted || len(r.Hosts) == 0 {
		code = ExitIncomplete
	}
	for _, h := range r.Hosts {
		switch h.Status {
		case HostNoncompliant:
			return ExitFailing
		case HostCompliant:
		default:
			code = ExitIncomplete
		}
	}
	return code
}
