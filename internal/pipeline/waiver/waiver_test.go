package waiver

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/report"
)

// now is the clock of every test: 2026-06-01 12:00 UTC.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// endOf is how the inventory stores expires = "YYYY-MM-DD".
func endOf(day string) time.Time {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return d.Add(24*time.Hour - time.Nanosecond).UTC()
}

var checks = []policies.CheckInfo{
	{ID: "kmem.kernel", Severity: "low", Pack: "kmem"},
	{ID: "kmem.runc", Severity: "high", Pack: "kmem"},
	{ID: "kmem.kubelet", Severity: "high", Pack: "kmem"},
	{ID: "kmem.kernel_log", Severity: "critical", Pack: "kmem"},
}

func res(id, sev, status string) policies.Result {
	return policies.Result{ID: id, Severity: sev, Status: status, Message: id + " " + status}
}

// fleet is three reachable hosts and an unreachable one, each failing runc,
// the kubelet (unknown on w2) and the critical kernel log.
func fleet() *report.Report {
	host := func(name string, groups []string, kubelet string) report.Host {
		return report.Host{Name: name, Groups: groups, Results: []policies.Result{
			res("kmem.kernel", "low", "fail"),
			res("kmem.runc", "high", "fail"),
			res("kmem.kubelet", "high", kubelet),
			res("kmem.kernel_log", "critical", "fail"),
		}}
	}
	r := &report.Report{FailOn: "high", Hosts: []report.Host{
		host("worker-001", []string{"workers"}, "fail"),
		host("worker-002", []string{"workers"}, "unknown"),
		host("db-01", []string{"databases"}, "pass"),
		{Name: "worker-003", Groups: []string{"workers"}, Reason: "timeout", Status: report.HostUnreachable},
	}}
	report.Finalize(r, "")
	return r
}

func waiverOf(checks []string, mod func(*inventory.Waiver)) *inventory.Waiver {
	w := &inventory.Waiver{
		Checks:    checks,
		Reason:    "nokmem builds rolling out",
		Owner:     "platform-team",
		Ticket:    "OPS-1234",
		Expires:   endOf("2026-12-31"),
		DeclRange: inventory.Range{Filename: "prod.hcl", Line: 90, Column: 1},
	}
	if mod != nil {
		mod(w)
	}
	return w
}

// statuses maps "host/check" to the status after Apply.
func statuses(r *report.Report) map[string]string {
	out := map[string]string{}
	for _, h := range r.Hosts {
		for _, x := range h.Results {
			out[h.Name+"/"+x.ID] = x.Status
		}
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		waivers []*inventory.Waiver
		// waived: host/check pairs that must end waived; every other
		// result keeps its status.
		waived []string
		// hostStatus after Apply.
		hostStatus map[string]string
		notices    []string // substrings, one per notice, in order
	}{
		{
			name:    "glob host and second check",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.kubelet", "kmem.runc"}, func(w *inventory.Waiver) { w.Hosts = []string{"worker-00*"} })},
			waived:  []string{"worker-001/kmem.kubelet", "worker-001/kmem.runc", "worker-002/kmem.kubelet", "worker-002/kmem.runc"},
			// kernel_log (critical) still fails.
			hostStatus: map[string]string{"worker-001": "noncompliant", "worker-002": "noncompliant", "db-01": "noncompliant"},
		},
		{
			name:       "critical needs allow_critical",
			waivers:    []*inventory.Waiver{waiverOf([]string{"kmem.*"}, func(w *inventory.Waiver) { w.Groups = []string{"databases"} })},
			waived:     []string{"db-01/kmem.kernel", "db-01/kmem.runc"},
			hostStatus: map[string]string{"db-01": "noncompliant"},
			notices:    []string{"error: waiver \"kmem.*\": kmem.kernel_log is a critical check: not waived on 1 result(s) because the waiver does not set allow_critical = true"},
		},
		{
			name: "allow_critical waives everything on the group",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.*"}, func(w *inventory.Waiver) {
				w.Groups = []string{"databases"}
				w.AllowCritical = true
			})},
			waived:     []string{"db-01/kmem.kernel", "db-01/kmem.runc", "db-01/kmem.kernel_log"},
			hostStatus: map[string]string{"db-01": "compliant", "worker-001": "noncompliant"},
		},
		{
			name: "hosts and groups must both match",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) {
				w.Hosts = []string{"*-001", "db-*"}
				w.Groups = []string{"workers"}
			})},
			waived: []string{"worker-001/kmem.runc"},
		},
		{
			name: "expired waiver is not applied",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) {
				w.Expires = endOf("2026-05-31")
			})},
			notices: []string{"prod.hcl:90:1: error: waiver \"kmem.runc\": expired on 2026-05-31 and was not applied: 3 result(s) on 3 host(s) keep their fail/unknown status"},
		},
		{
			name: "expires at the end of the stated day UTC",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) {
				w.Hosts = []string{"db-01"}
				w.Expires = endOf("2026-06-01")
			})},
			waived:  []string{"db-01/kmem.runc"},
			notices: []string{"warning: waiver \"kmem.runc\": expires on 2026-06-01 (today)"},
		},
		{
			name: "expiring within 14 days warns",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) {
				w.Hosts = []string{"db-01"}
				w.Expires = endOf("2026-06-10")
			})},
			waived:  []string{"db-01/kmem.runc"},
			notices: []string{"expires on 2026-06-10 (in 9 days)"},
		},
		{
			name: "15 days ahead does not warn",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) {
				w.Hosts = []string{"db-01"}
				w.Expires = endOf("2026-06-15")
			})},
			waived: []string{"db-01/kmem.runc"},
		},
		{
			name:    "no host and no check",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.kublet"}, func(w *inventory.Waiver) { w.Hosts = []string{"web-*"} })},
			notices: []string{
				"warning: waiver \"kmem.kublet\": matches no check of the loaded policy packs (\"kmem.kublet\")",
				"matches none of the 4 host(s) in this run",
			},
		},
		{
			name: "first waiver in file order wins",
			waivers: []*inventory.Waiver{
				waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) { w.Reason = "first"; w.Hosts = []string{"db-01"} }),
				waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) { w.Reason = "second"; w.Hosts = []string{"db-*"} }),
			},
			waived: []string{"db-01/kmem.runc"},
		},
		{
			name: "pass and not_applicable are never waived",
			waivers: []*inventory.Waiver{waiverOf([]string{"kmem.kubelet"}, func(w *inventory.Waiver) {
				w.Hosts = []string{"db-01"}
			})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fleet()
			before := statuses(r)
			got := Apply(r, tt.waivers, checks, now)
			report.Finalize(r, r.FailOn) // as the pipeline does after the waivers
			after := statuses(r)
			want := map[string]bool{}
			for _, k := range tt.waived {
				want[k] = true
			}
			for k, st := range after {
				switch {
				case want[k] && st != policies.StatusWaived:
					t.Errorf("%s: status %s, want waived", k, st)
				case !want[k] && st != before[k]:
					t.Errorf("%s: status %s, want unchanged %s", k, st, before[k])
				}
			}
			for _, h := range r.Hosts {
				if st, ok := tt.hostStatus[h.Name]; ok && h.Status != st {
					t.Errorf("host %s status %s, want %s", h.Name, h.Status, st)
				}
			}
			if len(got) != len(tt.notices) {
				t.Fatalf("notices %q, want %d", got, len(tt.notices))
			}
			for i, n := range got {
				if !strings.Contains(n.String(), tt.notices[i]) {
					t.Errorf("notice %d = %q, want it to contain %q", i, n.String(), tt.notices[i])
				}
			}
		})
	}
}

func TestApplyRecordsWaiver(t *testing.T) {
	r := fleet()
	w := waiverOf([]string{"kmem.kubelet"}, func(w *inventory.Waiver) { w.Hosts = []string{"worker-002"} })
	r.Hosts[1].Projected = []policies.Result{res("kmem.kubelet", "high", "fail"), res("kmem.runc", "high", "fail")}
	Apply(r, []*inventory.Waiver{w}, checks, now)
	report.Finalize(r, r.FailOn)

	var got *policies.Result
	for i := range r.Hosts[1].Results {
		if r.Hosts[1].Results[i].ID == "kmem.kubelet" {
			got = &r.Hosts[1].Results[i]
		}
	}
	want := policies.WaiverRef{Reason: "nokmem builds rolling out", Owner: "platform-team", Ticket: "OPS-1234", Expires: "2026-12-31", OriginalStatus: "unknown"}
	if got == nil || got.Waiver == nil || *got.Waiver != want {
		t.Fatalf("waiver ref %+v, want %+v", got, want)
	}
	if p := r.Hosts[1].Projected; p[0].Status != policies.StatusWaived || p[0].Waiver.OriginalStatus != "fail" || p[1].Status != "fail" {
		t.Errorf("projected results %+v: want kubelet waived (was fail), runc untouched", p)
	}
	if r.Summary.Results[policies.StatusWaived] != 1 {
		t.Errorf("summary waived = %d, want 1 (projected results are not summarized)", r.Summary.Results[policies.StatusWaived])
	}
}

func TestApplyNoWaivers(t *testing.T) {
	r := fleet()
	if n := Apply(r, nil, checks, now); n != nil {
		t.Errorf("notices %v", n)
	}
}

func invHosts() []*inventory.Host {
	return []*inventory.Host{
		{Name: "worker-001", Groups: []string{"workers"}},
		{Name: "worker-002", Groups: []string{"workers"}},
		{Name: "worker-003", Groups: []string{"workers"}},
		{Name: "worker-004", Groups: []string{"workers"}},
		{Name: "db-01", Groups: []string{"databases"}},
	}
}

func TestStates(t *testing.T) {
	tests := []struct {
		name   string
		w      *inventory.Waiver
		state  string
		hosts  []string
		checks []string
		notes  []string
	}{
		{"active", waiverOf([]string{"kmem.kubelet", "kmem.runc"}, func(w *inventory.Waiver) { w.Groups = []string{"workers"} }),
			StateActive, []string{"worker-001", "worker-002", "worker-003", "worker-004"}, []string{"kmem.runc", "kmem.kubelet"}, nil},
		{"expiring", waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) { w.Hosts = []string{"db-01"}; w.Expires = endOf("2026-06-07") }),
			StateExpiring, []string{"db-01"}, []string{"kmem.runc"}, []string{"expires in 6 days"}},
		{"expired beats unused", waiverOf([]string{"kmem.nothing"}, func(w *inventory.Waiver) { w.Expires = endOf("2026-01-01") }),
			StateExpired, []string{"worker-001", "worker-002", "worker-003", "worker-004", "db-01"}, []string{}, []string{"matches no check"}},
		{"no host", waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) { w.Hosts = []string{"web-*"} }),
			StateUnused, []string{}, []string{"kmem.runc"}, []string{"matches none of the 5 host(s)"}},
		{"only critical without allow_critical", waiverOf([]string{"kmem.kernel_log"}, nil),
			StateUnused, []string{"worker-001", "worker-002", "worker-003", "worker-004", "db-01"}, []string{}, []string{"kmem.kernel_log is critical"}},
		{"critical allowed", waiverOf([]string{"kmem.kernel_log"}, func(w *inventory.Waiver) { w.AllowCritical = true; w.Hosts = []string{"db-01"} }),
			StateActive, []string{"db-01"}, []string{"kmem.kernel_log"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &inventory.Inventory{Waivers: []*inventory.Waiver{tt.w}}
			got := States(inv, invHosts(), checks, now)
			if len(got) != 1 {
				t.Fatalf("%d states", len(got))
			}
			s := got[0]
			if s.State != tt.state {
				t.Errorf("state %s, want %s", s.State, tt.state)
			}
			if strings.Join(s.Hosts, " ") != strings.Join(tt.hosts, " ") {
				t.Errorf("hosts %v, want %v", s.Hosts, tt.hosts)
			}
			if strings.Join(s.Checks, " ") != strings.Join(tt.checks, " ") {
				t.Errorf("checks %v, want %v", s.Checks, tt.checks)
			}
			if len(s.Notes) != len(tt.notes) {
				t.Fatalf("notes %q, want %q", s.Notes, tt.notes)
			}
			for i := range tt.notes {
				if !strings.Contains(s.Notes[i], tt.notes[i]) {
					t.Errorf("note %q, want %q", s.Notes[i], tt.notes[i])
				}
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	inv := &inventory.Inventory{Waivers: []*inventory.Waiver{
		waiverOf([]string{"kmem.kubelet", "kmem.runc"}, func(w *inventory.Waiver) { w.Groups = []string{"workers"} }),
		waiverOf([]string{"kmem.runc"}, func(w *inventory.Waiver) {
			w.Hosts = []string{"web-*"}
			w.Owner, w.Ticket = "", ""
			w.Reason = "multi\nline"
			w.DeclRange.Line = 99
		}),
	}}
	var b bytes.Buffer
	if err := WriteTable(&b, States(inv, invHosts(), checks, now), true); err != nil {
		t.Fatal(err)
	}
	want := `WAIVER        STATE   EXPIRES     OWNER          TICKET    CHECKS                  HOSTS                                           DECLARED
kmem.kubelet  active  2026-12-31  platform-team  OPS-1234  kmem.runc,kmem.kubelet  4: worker-001, worker-002, worker-003, +1 more  prod.hcl:90:1
kmem.runc     unused  2026-12-31  -              -         kmem.runc               0                                               prod.hcl:99:1

kmem.kubelet (prod.hcl:90:1): active
  reason: nokmem builds rolling out
  host: worker-001
  host: worker-002
  host: worker-003
  host: worker-004

kmem.runc (prod.hcl:99:1): unused
  reason: multi line
  note: matches none of the 5 host(s)
`
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}
