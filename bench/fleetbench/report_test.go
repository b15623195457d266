package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median sorted its argument")
	}
}

func hostsAt(addrs ...string) []testfleet.Host {
	var hs []testfleet.Host
	for _, a := range addrs {
		hs = append(hs, testfleet.Host{Name: "h" + a, Address: a, Port: 22})
	}
	return hs
}

// sshdLog is what sshd (LogLevel VERBOSE) writes, with the client port 5000
// reused for two concurrent connections to different addresses.
const sshdLog = `Connection from 127.0.0.1 port 5000 on 127.1.0.2 port 22 rdomain ""
Connection from 127.0.0.1 port 5000 on 127.1.0.3 port 22 rdomain ""
Accepted publickey for kaudit from 127.0.0.1 port 5000 ssh2: ED25519 SHA256:x
Accepted publickey for kaudit from 127.0.0.1 port 5000 ssh2: ED25519 SHA256:x
Starting session: command for kaudit from 127.0.0.1 port 5000 id 0
Starting session: command for kaudit from 127.0.0.1 port 5000 id 0
`

func TestCountConns(t *testing.T) {
	two := hostsAt("127.1.0.2", "127.1.0.3")
	for _, tc := range []struct {
		name  string
		log   string
		hosts []testfleet.Host
		exact bool
		want  connCount
	}{
		{"one each, reused client port", sshdLog, two, true,
			connCount{Conns: 2, Execs: 2, MinConn: 1, MaxConn: 1}},
		{"second exec on a connection", sshdLog + "Starting session: command for kaudit from 127.0.0.1 port 5000 id 1\n", two, false,
			connCount{Conns: 2, Execs: 3, MinConn: 1, MaxConn: 1, ExtraExecs: 1}},
		{"a host never reached", sshdLog, hostsAt("127.1.0.2", "127.1.0.3", "127.1.0.4"), false,
			connCount{Conns: 2, Execs: 2, MinConn: 0, MaxConn: 1, MissedHosts: 1}},
		{"another address contacted", sshdLog, hostsAt("127.1.0.2"), false,
			connCount{Conns: 1, Execs: 2, MinConn: 1, MaxConn: 1, StrayConns: 1}},
		{"a retry: two connections, one session", "Connection from 127.0.0.1 port 6000 on 127.1.0.2 port 22 rdomain \"\"\n" +
			"Connection from 127.0.0.1 port 6001 on 127.1.0.2 port 22 rdomain \"\"\n" +
			"Starting session: command for kaudit from 127.0.0.1 port 6001 id 0\n", hostsAt("127.1.0.2"), false,
			connCount{Conns: 2, Execs: 1, MinConn: 2, MaxConn: 2}},
		{"nothing logged", "", two, false, connCount{MissedHosts: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stats, err := testfleet.ParseSSHDLog(strings.NewReader(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			got := countConns(stats, countSessions([]byte(tc.log)), tc.hosts)
			if got != tc.want {
				t.Errorf("countConns = %+v, want %+v", got, tc.want)
			}
			if e := got.exactlyOne(len(tc.hosts)); e != tc.exact {
				t.Errorf("exactlyOne = %v, want %v", e, tc.exact)
			}
		})
	}
}

func fakeRun(tool string, wall, cpu float64, hosts int) runResult {
	return runResult{Tool: tool, Hosts: hosts, OK: hosts,
		Usage: Usage{WallNS: int64(wall * 1e9), UserNS: int64(cpu * 1e9), MaxRSSKB: 100 << 10},
		Conn:  connCount{Conns: hosts, Execs: hosts, MinConn: 1, MaxConn: 1}}
}

func TestSummarise(t *testing.T) {
	s := summarise(toolKaudit, "kaudit", []runResult{
		fakeRun(toolKaudit, 12, 3, 500), fakeRun(toolKaudit, 10, 2, 500), fakeRun(toolKaudit, 30, 9, 500),
		{Tool: toolKaudit, Failed: "boom"},
	}, 500)
	if s.Runs != 3 || s.WallS != 12 || s.CPUS != 3 || s.WallMinS != 10 || s.WallMaxS != 30 || s.Extrapolate {
		t.Errorf("summary %+v", s)
	}
	if s.HostsPerS != 500.0/12 || s.CPUPerHost != 6 || s.MaxRSSMiB != 100 || !s.ExactlyOne || s.ConnPerHost != 1 {
		t.Errorf("summary %+v", s)
	}

	a := summarise(toolAnsible, "ansible", []runResult{fakeRun(toolAnsible, 100, 80, 500)}, 2000)
	if !a.Extrapolate || a.WallFleetS != 400 || a.CPUFleetS != 320 || a.HostsPerS != 5 {
		t.Errorf("extrapolated summary %+v", a)
	}

	bad := fakeRun(toolKaudit, 1, 1, 2)
	bad.Conn.ExtraExecs = 1
	if summarise(toolKaudit, "k", []runResult{fakeRun(toolKaudit, 1, 1, 2), bad}, 2).ExactlyOne {
		t.Error("one run with a second exec must clear ExactlyOne")
	}
	if f := summarise(toolKaudit, "k", []runResult{{Failed: "x"}}, 2); f.Runs != 0 || f.ExactlyOne {
		t.Errorf("all runs failed: %+v", f)
	}
}

func TestTargets(t *testing.T) {
	status := func(ts []targetResult, prefix string) string {
		for _, x := range ts {
			if strings.HasPrefix(x.What, prefix) {
				return x.Status
			}
		}
		return "absent"
	}
	mk := func(n int, k, pd, pc, an float64, ansibleHosts int) []summary {
		sums := []summary{
			summarise(toolKaudit, "k", []runResult{fakeRun(toolKaudit, k, 1, n)}, n),
			summarise(toolPdshDefault, "pd", []runResult{fakeRun(toolPdshDefault, pd, 1, n)}, n),
			summarise(toolPdshCurve, "pc", []runResult{fakeRun(toolPdshCurve, pc, 1, n)}, n),
			summarise(toolAnsible, "a", []runResult{fakeRun(toolAnsible, an, 1, ansibleHosts)}, n),
		}
		setRatios(sums)
		return sums
	}
	ts := evaluateTargets(mk(500, 10, 20, 12.5, 100, 500), nil, 500)
	for prefix, want := range map[string]string{
		"kaudit wall ≤ 0.8":   "MET", // 10/12.5 = 0.8
		"kaudit wall ≤ 0.35":  "MISSED",
		"≥ 10× faster":        "MET",
		"exactly 1":           "MET",
		"peak RSS":            "n/a", // N < 2000
		"client CPU per host": "info",
	} {
		if got := status(ts, prefix); got != want {
			t.Errorf("N=500 %q: %s, want %s", prefix, got, want)
		}
	}
	// Ansible on 500 of 2000 hosts: 100 s extrapolates to 400 s.
	ts = evaluateTargets(mk(2000, 50, 100, 60, 100, 500), nil, 2000)
	for prefix, want := range map[string]string{
		"kaudit wall ≤ 0.8":  "MISSED",
		"kaudit wall ≤ 0.35": "MISSED",
		"≥ 10× faster":       "MISSED", // 400/50 = 8
		"peak RSS":           "MET",    // 100 MiB
	} {
		if got := status(ts, prefix); got != want {
			t.Errorf("N=2000 %q: %s, want %s", prefix, got, want)
		}
	}
	for _, x := range ts {
		if strings.HasPrefix(x.What, "≥ 10×") && !strings.Contains(x.Detail, "extrapolated from 500 hosts") {
			t.Errorf("extrapolation not stated: %q", x.Detail)
		}
	}
	// Just above the limit: MISSED, and the detail shows why (not "0.80").
	for _, x := range evaluateTargets(mk(500, 13.26, 40, 16.57, 100, 500), nil, 500) {
		if strings.HasPrefix(x.What, "kaudit wall ≤ 0.8") && (x.Status != "MISSED" || !strings.Contains(x.Detail, "= 0.8002 (limit 0.80)")) {
			t.Errorf("13.26/16.57: %s %q, want MISSED with = 0.8002", x.Status, x.Detail)
		}
	}
	if got := status(evaluateTargets([]summary{summarise(toolKaudit, "k", []runResult{fakeRun(toolKaudit, 1, 1, 5)}, 5)}, nil, 5), "kaudit wall ≤ 0.8"); got != "n/a" {
		t.Errorf("pdsh not measured: %s", got)
	}
}

func TestPrintTable(t *testing.T) {
	sums := []summary{
		summarise(toolKaudit, "kaudit run -j 64", []runResult{fakeRun(toolKaudit, 10, 2, 2000)}, 2000),
		summarise(toolAnsible, "ansible -m raw -f 64", []runResult{fakeRun(toolAnsible, 100, 80, 500)}, 2000),
	}
	setRatios(sums)
	var b bytes.Buffer
	printTable(&b, sums)
	out := b.String()
	for _, want := range []string{"kaudit run -j 64", "400.00*", "40.00*", "ran on 500 of the 2000 hosts", "extrapolated linearly"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 { // header, rule, 2 rows, note
		t.Errorf("%d lines:\n%s", len(lines), out)
	}
}

func TestRotate(t *testing.T) {
	l := []string{"a", "b", "c"}
	for k, want := range []string{"abc", "bca", "cab", "abc"} {
		if got := strings.Join(rotate(l, k), ""); got != want {
			t.Errorf("rotate %d = %s, want %s", k, got, want)
		}
	}
}

func TestUsage(t *testing.T) {
	u := Usage{WallNS: int64(2 * time.Second), UserNS: int64(time.Second), SysNS: int64(500 * time.Millisecond)}
	if u.CPU() != 1500*time.Millisecond || u.Wall() != 2*time.Second {
		t.Errorf("%v %v", u.CPU(), u.Wall())
	}
}

func TestRoundRatios(t *testing.T) {
	rs := []runResult{
		fakeRun(toolKaudit, 8, 1, 10), fakeRun(toolPdshCurve, 10, 1, 10),
		fakeRun(toolKaudit, 9, 1, 10), fakeRun(toolPdshCurve, 10, 1, 10),
		fakeRun(toolKaudit, 5, 1, 10), // round 3: pdsh failed
		{Tool: toolPdshCurve, Failed: "x"},
	}
	for i := range rs {
		rs[i].Round = i/2 + 1
	}
	got := roundRatios(rs, toolPdshCurve)
	if len(got) != 2 || got[0] != 0.8 || got[1] != 0.9 {
		t.Errorf("roundRatios = %v, want [0.8 0.9]", got)
	}
	ts := evaluateTargets([]summary{
		summarise(toolKaudit, "k", rs[:1], 10), summarise(toolPdshCurve, "c", rs[1:2], 10),
	}, rs, 10)
	if !strings.Contains(ts[0].Detail, "per round: 0.80 0.90") {
		t.Errorf("detail %q", ts[0].Detail)
	}
}
