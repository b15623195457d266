package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/policies"
)

// hostileReport is a one-host report whose strings carry every kind of
// byte a JUnit file must not contain.
func hostileReport() *Report {
	r := &Report{StartedAt: "2026-03-02T10:15:04Z", FinishedAt: "2026-03-02T10:15:05Z"}
	r.Hosts = []Host{{
		Name: "bad\x00host\x1b[31m", Address: "198.51.100.1",
		Results: []policies.Result{
			{ID: "kmem.kernel_log", Title: "t\x07", Severity: "critical", Status: "fail",
				Message:     "latest: \x1b]0;owned\x07SLUB: Unable to allocate memory on node -1 (gfp=0x80d0)\x00\x0b\x0c\ufffe \xff\xfe invalid ]]> & <b>",
				Remediation: "echo 1 > /proc/sys/vm/compact_memory\r\n\x1b[2Jdone",
				Evidence:    map[string]any{"line\x01": "a\x02b", "n": 3}},
			{ID: "kmem.runc", Title: "runc", Severity: "high", Status: "waived", Message: "m",
				Waiver: &policies.WaiverRef{Reason: "why\x1b[8m", Owner: "team\x00", Expires: "2026-09-30", OriginalStatus: "fail"}},
		},
	}}
	Finalize(r, "high")
	return r
}

// TestJUnitValidatesAgainstXSD runs xmllint with the Jenkins junit-10.xsd
// constraints (testdata/reports/junit.xsd) over real renderer output.
func TestJUnitValidatesAgainstXSD(t *testing.T) {
	xmllint := testenv.Program(t, "libxml2-utils", "xmllint")
	gate := sampleGateReport()
	gate.Notices = sampleNotices()
	Finalize(gate, "")
	hostileGate := hostileGateReport()
	empty := &Report{}
	Finalize(empty, "")
	noReasons := &Report{Plan: &Plan{File: "p.hcl", Verdict: GateNoGo}, Notices: []Notice{{Level: NoticeWarning, Message: "m"}}}
	Finalize(noReasons, "")
	dir := t.TempDir()
	for name, r := range map[string]*Report{"sample": finishedSample(t), "gate": gate, "hostile": hostileReport(), "hostile gate": hostileGate, "empty": empty, "no reasons": noReasons} {
		path := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(path, render(t, JUnit{}, r), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(testdataDir, "junit.xsd"), path).CombinedOutput()
		if err != nil {
			t.Errorf("%s: xmllint: %v\n%s", name, err, out)
		}
	}
}

// Parsed JUnit, for checking counts and mapping.
type xSuites struct {
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name     string  `xml:"name,attr"`
	Props    []xProp `xml:"properties>property"`
	Out      string  `xml:"system-out"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Cases    []xCase `xml:"testcase"`
}

type xCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Failure   *xNote `xml:"failure"`
	Error     *xNote `xml:"error"`
	Skipped   *xNote `xml:"skipped"`
	Out       string `xml:"system-out"`
}

type xProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

func (s xSuite) prop(name string) string {
	for _, p := range s.Props {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// checkCounts checks every suite's and the root's counts against the
// testcases.
func checkCounts(t *testing.T, s xSuites) {
	t.Helper()
	var tests, failures, errors int
	for _, suite := range s.Suites {
		var f, e, sk int
		for _, c := range suite.Cases {
			switch {
			case c.Failure != nil:
				f++
			case c.Error != nil:
				e++
			case c.Skipped != nil:
				sk++
			}
		}
		if suite.Tests != len(suite.Cases) || suite.Failures != f || suite.Errors != e || suite.Skipped != sk {
			t.Errorf("suite %s: tests=%d failures=%d errors=%d skipped=%d, counted %d/%d/%d/%d",
				suite.Name, suite.Tests, suite.Failures, suite.Errors, suite.Skipped, len(suite.Cases), f, e, sk)
		}
		tests, failures, errors = tests+suite.Tests, failures+suite.Failures, errors+suite.Errors
	}
	if s.Tests != tests || s.Failures != failures || s.Errors != errors {
		t.Errorf("root tests=%d failures=%d errors=%d, suites add up to %d/%d/%d", s.Tests, s.Failures, s.Errors, tests, failures, errors)
	}
}

type xNote struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func parseJUnit(t *testing.T, doc []byte) xSuites {
	t.Helper()
	var s xSuites
	if err := xml.Unmarshal(doc, &s); err != nil {
		t.Fatalf("JUnit output does not parse: %v", err)
	}
	return s
}

func TestJUnitCountsAndMapping(t *testing.T) {
	r := finishedSample(t)
	s := parseJUnit(t, render(t, JUnit{}, r))
	if len(s.Suites) != len(r.Hosts) {
		t.Fatalf("%d suites for %d hosts", len(s.Suites), len(r.Hosts))
	}
	checkCounts(t, s)
	cases := map[string]xCase{}
	failures := 0
	for i, suite := range s.Suites {
		for _, c := range suite.Cases {
			cases[c.Name] = c
		}
		failures += suite.Failures
		if h := r.Hosts[i]; h.Status != HostUnreachable && len(suite.Cases) != len(h.Results) {
			t.Errorf("suite %s: %d testcases for %d results", suite.Name, len(suite.Cases), len(h.Results))
		}
	}
	if want := r.Summary.Results[policies.StatusFail]; failures != want {
		t.Errorf("%d failures, the report has %d fail results", failures, want)
	}

	for _, tc := range []struct {
		name, kind, typ string
		contains        []string
	}{
		{"k8s-node-000::kmem.risk", "failure", "critical", []string{"Remediation:", "grubby --update-kernel=ALL --args=cgroup.memory=nokmem", "kmem.kubepods.state = active"}},
		{"k8s-node-001::kmem.kernel", "failure", "low", []string{"3.10.0-1127.el7.x86_64"}},
		{"k8s-node-001::kmem.risk", "pass", "", nil},
		{"k8s-node-002::reachability", "error", "hostkey", []string{"host key", "known_hosts"}},
		{"build-01::kmem.kubelet", "skipped", "not_applicable", []string{"no kubelet"}},
		{"edge-07::kmem.runc", "skipped", "waived", []string{"edge nodes run no memory-limited containers", "platform-team", "OPS-2211", "2026-09-30"}},
		{"edge-07::kmem.accounting", "error", "unknown", []string{hostileImg}},
		{"edge-07::kmem.fragmentation", "error", "error", []string{"eval_conflict_error"}},
	} {
		c, ok := cases[tc.name]
		if !ok {
			t.Errorf("no testcase %s", tc.name)
			continue
		}
		var n *xNote
		switch tc.kind {
		case "failure":
			n = c.Failure
		case "error":
			n = c.Error
		case "skipped":
			n = c.Skipped
		case "pass":
			if c.Failure != nil || c.Error != nil || c.Skipped != nil {
				t.Errorf("%s: want an empty (passed) testcase", tc.name)
			}
			continue
		}
		if n == nil {
			t.Errorf("%s: no <%s>", tc.name, tc.kind)
			continue
		}
		if n.Type != tc.typ {
			t.Errorf("%s: type %q, want %q", tc.name, n.Type, tc.typ)
		}
		for _, want := range tc.contains {
			if !strings.Contains(n.Message+"\n"+n.Body, want) {
				t.Errorf("%s: %q missing from message/body", tc.name, want)
			}
		}
	}
	if c := cases["edge-07::kmem.runc"]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "platform-team") {
		t.Errorf("waived testcase message should give reason and owner: %+v", c.Skipped)
	}
	// Every testcase names its host, so CI shows which node failed.
	for name, c := range cases {
		host, _, ok := strings.Cut(name, "::")
		if ok && c.Classname != host {
			t.Errorf("%s: classname %q, want the host %q", name, c.Classname, host)
		}
	}
}

// checkXMLClean: out is valid UTF-8 without a character XML 1.0 forbids (or
// a raw CR or TAB) and without any of bad.
func checkXMLClean(t *testing.T, out []byte, bad ...string) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatal("output is not valid UTF-8")
	}
	for _, r := range string(out) {
		if r < 0x20 && r != '\n' || r == 0xfffe || r == 0xffff {
			t.Fatalf("output contains %U", r)
		}
	}
	for _, b := range bad {
		if bytes.Contains(out, []byte(b)) {
			t.Errorf("output contains %q", b)
		}
	}
}

// TestJUnitStripsForbiddenCharacters: no byte XML 1.0 forbids, no escape
// sequence, valid UTF-8 with invalid input replaced.
func TestJUnitStripsForbiddenCharacters(t *testing.T) {
	out := render(t, JUnit{}, hostileReport())
	checkXMLClean(t, out, "\x1b", "]0;owned", "[31m", "[2J")
	s := parseJUnit(t, out)
	c := s.Suites[0].Cases[0]
	if c.Failure == nil {
		t.Fatalf("want a failure: %+v", c)
	}
	for _, want := range []string{"SLUB: Unable to allocate memory on node -1 (gfp=0x80d0)", "\ufffd", "]]> & <b>", "echo 1 > /proc/sys/vm/compact_memory\ndone"} {
		if !strings.Contains(c.Failure.Message+c.Failure.Body, want) {
			t.Errorf("%q missing after cleaning:\n%s", want, c.Failure.Body)
		}
	}
	if s.Suites[0].Name != "badhost" {
		t.Errorf("suite name %q, want the host name cleaned to badhost", s.Suites[0].Name)
	}
}

func TestJUnitUnreachableAndEmptyHosts(t *testing.T) {
	r := &Report{Hosts: []Host{
		{Name: "a", Address: "192.0.2.1", Status: HostUnreachable, Reason: "timeout", Error: "dial tcp 192.0.2.1:22: i/o timeout"},
		{Name: "b", Address: "192.0.2.2"},
	}}
	Finalize(r, "")
	s := parseJUnit(t, render(t, JUnit{}, r))
	for i, want := range []struct{ name, typ, text string }{
		{"a::reachability", "timeout", "i/o timeout"},
		{"b::results", "incomplete", "no check results"},
	} {
		suite := s.Suites[i]
		if suite.Tests != 1 || suite.Errors != 1 || len(suite.Cases) != 1 {
			t.Fatalf("suite %s: want exactly one errored testcase, got %+v", suite.Name, suite)
		}
		c := suite.Cases[0]
		if c.Name != want.name || c.Error == nil || c.Error.Type != want.typ || !strings.Contains(c.Error.Message, want.text) {
			t.Errorf("testcase %+v %+v, want %s type %s with %q", c, c.Error, want.name, want.typ, want.text)
		}
	}
	if s.Tests != 2 || s.Errors != 2 || s.Failures != 0 {
		t.Errorf("root counts %d/%d/%d", s.Tests, s.Failures, s.Errors)
	}
	if got := strconv.Itoa(len(s.Suites)); got != "2" {
		t.Errorf("%s suites", got)
	}
}

// hostileGateReport is a gate report whose plan, blockers, gate notes and
// notices carry escapes, markup and bytes XML forbids.
func hostileGateReport() *Report {
	r := sampleGateReport()
	r.Plan.File = "plan\x00.hcl\x1b[31m"
	r.Plan.Reasons[0] = "group \x1b]0;owned\x07edge: <b>1</b> of 1 hosts no-go\x0b"
	edge := &r.Hosts[5]
	for i := range edge.Projected {
		if p := &edge.Projected[i]; p.ID == "kmem.risk" {
			p.Message = "cannot judge\x1b[2J: ]]> & <script>\x00"
			p.Evidence[EvidencePredicted] = map[string]string{"kernel.upstream\x01": "4.4.262\x1b[8m\ufffe"}
		}
	}
	r.Notices = []Notice{waiverNotice(NoticeError, "kmem.runc", "inv.hcl\x1b[31m:1:1\x07", "expired <b>on</b>\x1b]0;owned\x07 2026-01-01\x0c")}
	Finalize(r, "high")
	return r
}

func TestJUnitGate(t *testing.T) {
	r := sampleGateReport()
	r.Notices = sampleNotices()
	Finalize(r, "high")
	s := parseJUnit(t, render(t, JUnit{}, r))
	checkCounts(t, s)
	if len(s.Suites) != len(r.Hosts)+2 {
		t.Fatalf("%d suites for %d hosts, want a gate and a notices suite after them", len(s.Suites), len(r.Hosts))
	}
	for i, h := range r.Hosts {
		suite := s.Suites[i]
		if suite.Name != h.Name || suite.prop("gate") != h.Gate || suite.prop("gate_blockers") != strings.Join(h.GateBlockers, ",") {
			t.Errorf("suite %s: gate properties %v, want gate %q blockers %v", suite.Name, suite.Props, h.Gate, h.GateBlockers)
		}
	}
	if got := s.Suites[0].prop("projected_status"); got != HostCompliant {
		t.Errorf("k8s-node-000 projected_status %q, want compliant", got)
	}
	gate := s.Suites[len(r.Hosts)]
	if gate.Name != "kaudit.gate" || gate.prop("verdict") != "no-go" || gate.prop("plan") != "plans/nokmem-rollout.hcl" {
		t.Fatalf("gate suite %s %v", gate.Name, gate.Props)
	}
	cases := map[string]xCase{}
	for _, c := range gate.Cases {
		cases[c.Name] = c
	}
	if len(cases) != len(r.Hosts)+len(r.Plan.Reasons) {
		t.Errorf("%d gate testcases, want one per host and per reason", len(cases))
	}
	edge := cases["edge-07::gate"]
	if edge.Failure == nil || edge.Failure.Type != "no-go" || edge.Failure.Message != "no-go after the plan: blocked by kmem.kernel_log, kmem.risk, kmem.accounting" {
		t.Errorf("edge-07's gate: %+v", edge.Failure)
	} else {
		for _, want := range []string{"incomplete now, incomplete after the plan", "kmem.risk (critical): unknown (predicted): cannot judge",
			"planned: kernel.release = 4.4.0-21-generic → 4.4.0-210-generic", "predicted: kernel.upstream = 4.4.262 (family ubuntu)", "kmem.kernel (low): fail → pass (predicted)"} {
			if !strings.Contains(edge.Failure.Body, want) {
				t.Errorf("edge-07's gate failure lacks %q:\n%s", want, edge.Failure.Body)
			}
		}
	}
	if c := cases["k8s-node-000::gate"]; c.Failure != nil || c.Error != nil || c.Skipped != nil ||
		!strings.Contains(c.Out, "kmem.risk (critical): fail → pass (predicted)") || !strings.Contains(c.Out, "pass → waived (predicted): waived (was unknown) by platform-team") {
		t.Errorf("k8s-node-000's gate should pass with the changes in system-out: %+v", c)
	}
	if c := cases["k8s-node-002::gate"]; c.Skipped == nil || c.Skipped.Type != "unreachable" || !strings.Contains(c.Skipped.Message, "not judged: unreachable (hostkey)") {
		t.Errorf("unreachable host's gate: %+v", c.Skipped)
	}
	if c := cases["fleet::1"]; c.Failure == nil || !strings.HasPrefix(c.Failure.Message, "group edge: 1 of 1 hosts no-go") {
		t.Errorf("failing fleet rule: %+v", c)
	}
	if c := cases["fleet::2"]; c.Failure != nil || !strings.Contains(c.Out, "within max_unreachable") {
		t.Errorf("fleet reason within its limit should pass with the reason in system-out: %+v", c)
	}

	notices := s.Suites[len(r.Hosts)+1]
	if notices.Name != "kaudit.notices" || notices.Skipped != 4 || notices.Failures+notices.Errors != 0 {
		t.Fatalf("notices suite %+v: want 4 skipped testcases, no failure or error", notices)
	}
	c := notices.Cases[0]
	if c.Name != `notice 1: waiver "kmem.runc"` || c.Skipped.Type != "error" ||
		c.Skipped.Message != `error: inventories/prod.hcl:86:1: waiver "kmem.runc": expired on 2026-02-28 and was not applied: 2 result(s) on 2 host(s) keep their fail/unknown status; extend it or fix the hosts` {
		t.Errorf("first notice: %q %+v", c.Name, c.Skipped)
	}
	if !strings.Contains(notices.Out, `warning: inventories/prod.hcl:96:1: waiver "kmem.runc": expires on 2026-03-09 (in 7 days)`) {
		t.Errorf("notices system-out: %q", notices.Out)
	}
}

// TestJUnitGateFailingNotRecorded: a no-go plan that does not say which
// reasons failed counts every reason as failing; a go plan none.
func TestJUnitGateFailingNotRecorded(t *testing.T) {
	for _, tc := range []struct {
		plan Plan
		want []bool
	}{
		{Plan{Verdict: GateNoGo, Reasons: []string{"a", "b"}}, []bool{true, true}},
		{Plan{Verdict: GateNoGo, Reasons: []string{"a", "b"}, Failing: 1}, []bool{true, false}},
		{Plan{Verdict: GateGo, Reasons: []string{"go: 2 host(s) judged", "b"}}, []bool{false, false}},
		{Plan{Verdict: GateNoGo}, []bool{true}},
		{Plan{Verdict: GateGo}, []bool{false}},
	} {
		r := &Report{Plan: &tc.plan}
		Finalize(r, "")
		s := parseJUnit(t, render(t, JUnit{}, r))
		checkCounts(t, s)
		gate := s.Suites[len(s.Suites)-1]
		var got []bool
		for _, c := range gate.Cases {
			got = append(got, c.Failure != nil)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: failing testcases %v, want %v", tc.plan, got, tc.want)
		}
	}
}

// TestJUnitGateStripsForbiddenCharacters: the gate's and the notices' text
// is cleaned like the hosts'.
func TestJUnitGateStripsForbiddenCharacters(t *testing.T) {
	out := render(t, JUnit{}, hostileGateReport())
	checkXMLClean(t, out, "\x1b", "]0;owned", "[31m", "[2J", "[8m", "<b>", "<script>")
	s := parseJUnit(t, out)
	gate := s.Suites[len(s.Suites)-2]
	if gate.prop("plan") != "plan.hcl" {
		t.Errorf("plan property %q", gate.prop("plan"))
	}
	var body string
	for _, c := range gate.Cases {
		if c.Failure != nil {
			body += c.Failure.Message + "\n" + c.Failure.Body + "\n"
		}
	}
	for _, want := range []string{"group edge: <b>1</b> of 1 hosts no-go", "cannot judge: ]]> & <script>", "predicted: kernel.upstream = 4.4.262"} {
		if !strings.Contains(body, want) {
			t.Errorf("%q missing after cleaning:\n%s", want, body)
		}
	}
	n := s.Suites[len(s.Suites)-1].Cases[0]
	if n.Name != `notice 1: waiver "kmem.runc"` || !strings.Contains(n.Skipped.Message, "inv.hcl:1:1: waiver") || !strings.Contains(n.Skipped.Message, "expired <b>on</b> 2026-01-01") {
		t.Errorf("notice after cleaning: %q %+v", n.Name, n.Skipped)
	}
}
