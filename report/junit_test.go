package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaudit/kaudit/policies"
)

// requireTool returns the path of an external test tool, or skips the test
// when it is missing — except under CI=true, where a missing tool fails.
func requireTool(t *testing.T, name, hint string, candidates ...string) string {
	t.Helper()
	for _, c := range append(candidates, name) {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found and CI=true: %s", name, hint)
	}
	t.Skipf("%s not found: %s", name, hint)
	return ""
}

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
	xmllint := requireTool(t, "xmllint", "apt-get install libxml2-utils")
	gate := sampleGateReport()
	Finalize(gate, "")
	empty := &Report{}
	Finalize(empty, "")
	dir := t.TempDir()
	for name, r := range map[string]*Report{"sample": finishedSample(t), "gate": gate, "hostile": hostileReport(), "empty": empty} {
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
	var tests, failures, errors int
	cases := map[string]xCase{}
	for i, suite := range s.Suites {
		var f, e, sk int
		for _, c := range suite.Cases {
			cases[c.Name] = c
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
		if h := r.Hosts[i]; h.Status != HostUnreachable && len(suite.Cases) != len(h.Results) {
			t.Errorf("suite %s: %d testcases for %d results", suite.Name, len(suite.Cases), len(h.Results))
		}
		tests, failures, errors = tests+suite.Tests, failures+suite.Failures, errors+suite.Errors
	}
	if s.Tests != tests || s.Failures != failures || s.Errors != errors {
		t.Errorf("root tests=%d failures=%d errors=%d, suites add up to %d/%d/%d", s.Tests, s.Failures, s.Errors, tests, failures, errors)
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
	if c := cases["k8s-node-000::kmem.risk"]; c.Classname != "kmem.risk" {
		t.Errorf("classname %q, want the check id", c.Classname)
	}
}

// TestJUnitStripsForbiddenCharacters: no byte XML 1.0 forbids, no escape
// sequence, valid UTF-8 with invalid input replaced.
func TestJUnitStripsForbiddenCharacters(t *testing.T) {
	out := render(t, JUnit{}, hostileReport())
	if !utf8.Valid(out) {
		t.Fatal("output is not valid UTF-8")
	}
	for _, r := range string(out) {
		if r < 0x20 && r != '\n' || r == 0xfffe || r == 0xffff {
			t.Fatalf("output contains %U", r)
		}
	}
	for _, bad := range []string{"\x1b", "]0;owned", "[31m", "[2J"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output contains %q", bad)
		}
	}
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
