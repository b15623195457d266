package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

func TestExplain(t *testing.T) {
	r := finishedSample(t)
	byName := map[string]*Host{}
	for i := range r.Hosts {
		byName[r.Hosts[i].Name] = &r.Hosts[i]
	}
	// A mitigated host whose kernel log still shows the leak.
	mitigated := *byName["k8s-node-001"]
	mitigated.Status = HostNoncompliant // the critical kernel_log fails
	mitigated.Results = slices.Clone(mitigated.Results)
	for i := range mitigated.Results {
		if mitigated.Results[i].ID == "kmem.kernel_log" {
			mitigated.Results[i].Status = policies.StatusFail
		}
	}
	for _, c := range []struct {
		name string
		h    *Host
		want []string // substrings, one per sentence, in order
	}{
		{"exposed, no symptom", byName["k8s-node-000"], nil},
		{"mitigated, old kernel", byName["k8s-node-001"], []string{
			"kmem.kernel fails although kmem.risk passes: the kernel carries the leak",
			"Compliant although kmem.kernel (low) fails: below fail-on high"}},
		{"mitigated, log shows the leak", &mitigated, []string{
			"Critical kmem.kernel_log fails although kmem.risk passes: the host is not exposed now, yet its kernel log holds leak signatures",
			"kmem.kernel fails although kmem.risk passes"}},
		{"not judged", byName["edge-07"], []string{"Critical kmem.risk is unknown although kmem.kernel fails: the kernel is affected"}},
		{"cgroup v2", byName["build-01"], nil},
		{"unreachable", byName["k8s-node-002"], nil},
	} {
		got := explain(c.h, "high")
		if len(got) != len(c.want) {
			t.Errorf("%s: %d sentences %q, want %d", c.name, len(got), got, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) || strings.Contains(got[i], c.h.Name) {
				t.Errorf("%s: sentence %d %q, want %q (and no host name)", c.name, i, got[i], w)
			}
		}
	}
	// kmem.risk fails while the kernel log is clean.
	quiet := *byName["k8s-node-000"]
	quiet.Results = slices.Clone(quiet.Results)
	for i := range quiet.Results {
		if quiet.Results[i].ID == "kmem.kernel_log" {
			quiet.Results[i].Status = policies.StatusPass
		}
	}
	if got := explain(&quiet, "high"); len(got) != 1 || !strings.HasPrefix(got[0], "Critical kmem.risk fails although kmem.kernel_log passes: the leak builds up") {
		t.Errorf("quiet exposed host: %q", got)
	}
}
