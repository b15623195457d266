package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// Verdicts that look contradictory where they meet, explained in words: a
// critical kmem.kernel_log failure on a host kmem.risk passes, a compliant
// host with a failing check, and so on. Built from a host's results (the
// sentences name checks, never hosts, so thousands of hosts share a few
// interned sentences); shown in the host's row and at the top of its detail.

// explainRule: when check A has one of the statuses AIs and check B one of
// BIs, Text says why both hold.
type explainRule struct {
	A   string
	AIs []string
	B   string
	BIs []string
	// Text follows "A <status> although B <status>: ".
	Text string
}

// explainRules lists the pairs; statuses are policies.Status* values.
func explainRules() []explainRule {
	failing := []string{policies.StatusFail}
	passing := []string{policies.StatusPass}
	unknown := []string{policies.StatusUnknown, policies.StatusError}
	return []explainRule{
		{A: "kmem.kernel_log", AIs: failing, B: "kmem.risk", BIs: passing,
			Text: "the host is not exposed now, yet its kernel log holds leak signatures — logged before the mitigation took effect (a log such as /var/log/messages spans reboots) or caused by other memory pressure; their timestamps tell which, and only a reboot frees what leaked"},
		{A: "kmem.memcg_headroom", AIs: failing, B: "kmem.risk", BIs: passing,
			Text: "the host is not exposed to the leak, so the memory cgroup IDs are held by many live or dying cgroups, or leaked before the mitigation took effect; only a reboot frees leaked IDs"},
		{A: "kmem.memcg_zombies", AIs: failing, B: "kmem.risk", BIs: passing,
			Text: "the host is not exposed to the leak now; the dying cgroups are left from before the mitigation or from another cause, and a reboot clears them"},
		{A: "kmem.kernel", AIs: failing, B: "kmem.risk", BIs: passing,
			Text: "the kernel carries the leak, but nothing switches kmem accounting on (or cgroup.memory=nokmem is in effect), so the host is not exposed; kmem.kernel stays as a reminder until the kernel is upgraded"},
		{A: "kmem.accounting", AIs: failing, B: "kmem.risk", BIs: passing,
			Text: "kmem accounting is on, but the running kernel does not leak memory cgroup IDs with it, so the host is not exposed"},
		{A: "kmem.risk", AIs: failing, B: "kmem.kernel_log", BIs: passing,
			Text: "the leak builds up over days as containers come and go and shows no symptom until memory cgroup IDs run out; fix it before the symptoms appear"},
		{A: "kmem.risk", AIs: unknown, B: "kmem.kernel", BIs: failing,
			Text: "the kernel is affected, but whether kmem accounting is on could not be read; make the evidence readable (see the unknown results) and audit again"},
	}
}

// explain lists the sentences for h's results at fail-on failOn.
func explain(h *Host, failOn string) []string {
	by := map[string]*policies.Result{}
	for i := range h.Results {
		by[h.Results[i].ID] = &h.Results[i]
	}
	var out []string
	for _, ru := range explainRules() {
		a, b := by[ru.A], by[ru.B]
		if a == nil || b == nil || !slices.Contains(ru.AIs, a.Status) || !slices.Contains(ru.BIs, b.Status) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s although %s %s: %s.", verdictWords(a), statusVerb(a.Status), b.ID, statusVerb(b.Status), ru.Text))
	}
	// A compliant host with failing checks: they are below fail-on.
	if h.Status == HostCompliant {
		var below []string
		for _, res := range sortedResults(h.Results) {
			if res.Status == policies.StatusFail && !atOrAbove(res.Severity, failOn) {
				below = append(below, res.ID+" ("+res.Severity+")")
			}
		}
		if len(below) > 0 {
			verb := "fails"
			if len(below) > 1 {
				verb = "fail"
			}
			out = append(out, fmt.Sprintf("Compliant although %s %s: below fail-on %s, so it does not decide the host's status.", strings.Join(below, ", "), verb, failOn))
		}
	}
	return out
}

// verdictWords names a result's check with its severity when it is critical:
// "critical kmem.kernel_log".
func verdictWords(r *policies.Result) string {
	if r.Severity == "critical" {
		return "Critical " + r.ID
	}
	return r.ID
}

func statusVerb(status string) string {
	switch status {
	case policies.StatusFail:
		return "fails"
	case policies.StatusPass:
		return "passes"
	case policies.StatusUnknown:
		return "is unknown"
	case policies.StatusError:
		return "could not be evaluated"
	}
	return "is " + strings.ReplaceAll(status, "_", " ")
}
