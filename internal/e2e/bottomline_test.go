package e2e

import (
	"strings"
	"testing"

	"github.com/kaudit/kaudit/report"
)

// checkBottomLine asserts that kmem.risk, the bottom line, agrees with what
// each node shows (issue 18): a cgroup v1 node whose kernel is not affected
// passes and says why it is not exposed; an affected node on which the leak
// has already happened (leak signatures in the kernel log, memory cgroup IDs
// at the limit) fails with "the leak has occurred", what was seen and what is
// in effect now, and a remediation that drains and reboots.
func checkBottomLine(t *testing.T, r *report.Report) {
	t.Helper()
	risk := map[string]*struct{ status, message, remediation string }{}
	for _, h := range r.Hosts {
		for _, res := range h.Results {
			if res.ID == "kmem.risk" {
				risk[h.Name] = &struct{ status, message, remediation string }{res.Status, res.Message, res.Remediation}
			}
		}
	}
	tests := []struct {
		host, status string
		message      []string // every one must appear
		remediation  []string
	}{
		{
			host:   "amzn2-eks121",
			status: "pass",
			message: []string{
				"not exposed",
				"kernel 5.4.209-116.367.amzn2.x86_64 (upstream 5.4.209) recycles memcg IDs",
				"cgroup v1 with a v1 memory hierarchy",
			},
		},
		{
			host:   "seed000-centos75", // SLUB failures, soft lockups, "socket: no more sockets" in dmesg
			status: "fail",
			message: []string{
				"is a RHEL 7 kernel; memcg IDs leak",
				"the leak has occurred: kernel log (dmesg)",
				"slub_alloc_fail",
				"in effect now: kmem accounting on",
				"clear it: drain and reboot",
			},
			remediation: []string{"kubectl drain <node>", "&& reboot", "kubectl uncordon <node>"},
		},
		{
			host:   "seed003-centos78", // memory num_cgroups 65513: at the 65535 memcg ID cap
			status: "fail",
			message: []string{
				"the leak has occurred",
				"memory num_cgroups 65513 is",
				"of the 65535 memcg ID cap",
				"in effect now:",
				"clear it: drain and reboot",
			},
			remediation: []string{"kubectl drain <node>", "&& reboot", "kubectl uncordon <node>"},
		},
	}
	for _, tt := range tests {
		got := risk[tt.host]
		if got == nil {
			t.Errorf("%s: no kmem.risk result", tt.host)
			continue
		}
		if got.status != tt.status {
			t.Errorf("%s kmem.risk: %s, want %s (%s)", tt.host, got.status, tt.status, got.message)
		}
		for _, want := range tt.message {
			if !strings.Contains(got.message, want) {
				t.Errorf("%s kmem.risk message lacks %q:\n%s", tt.host, want, got.message)
			}
		}
		for _, want := range tt.remediation {
			if !strings.Contains(got.remediation, want) {
				t.Errorf("%s kmem.risk remediation lacks %q:\n%s", tt.host, want, got.remediation)
			}
		}
		if tt.status == "pass" && (got.remediation != "" || strings.Contains(got.message, "the leak has occurred")) {
			t.Errorf("%s kmem.risk passes but reads like a failure: %q / %q", tt.host, got.message, got.remediation)
		}
	}
}
