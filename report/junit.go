package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// JUnit writes JUnit XML as Jenkins (junit-10.xsd), GitLab and most CI
// systems read it: a <testsuites> root, one <testsuite> per host, one
// <testcase> per check (classname = host name, so Jenkins and GitLab show
// which node failed; name = "host::check").
//
//	fail                     <failure message type=severity>  message, remediation, evidence
//	unknown, error           <error message type=status>
//	waived                   <skipped message="waived: reason (owner)">
//	not_applicable           <skipped message="not applicable: message">
//	pass                     (empty testcase)
//	unreachable host         one testcase "host::reachability", classname
//	                         host, <error type=reason code>
//	reachable, no results    one testcase "host::results", <error type="incomplete">
//
// A gate report adds a kaudit.gate suite and report notices a
// kaudit.notices suite after the hosts' (junit_plan.go).
//
// Every fail is a <failure>, whatever --fail-on says; the severity is the
// type. Suites carry tests, failures, errors and skipped; the root carries
// tests, failures and errors (junit-10.xsd has no skipped attribute there).
// Text is cleaned of escape sequences and of characters XML 1.0 forbids;
// invalid UTF-8 becomes U+FFFD.
type JUnit struct{}

type junitSuites struct {
	Name     string
	Tests    int
	Failures int
	Errors   int
	Time     string
	Suites   []junitSuite
}

type junitSuite struct {
	Name       string
	Tests      int
	Failures   int
	Errors     int
	Skipped    int
	Time       string
	Timestamp  string
	Hostname   string
	ID         int
	Package    string
	Properties []junitProperty
	Cases      []junitCase
	SystemOut  string
}

type junitProperty struct {
	Name  string
	Value string
}

type junitCase struct {
	Name      string
	Classname string
	Time      string
	Failure   *junitNote
	Error     *junitNote
	Skipped   *junitNote
	SystemOut string
}

type junitNote struct {
	Message string
	Type    string
	Body    string
}

// junitMessageCap bounds a message attribute (the body has it all).
const junitMessageCap = 500

// jtext makes untrusted text fit for XML: one line unless multiline.
func jtext(s string, multiline bool) string {
	return xmlChars(cleanText(s, multiline))
}

// jattr is jtext for a message attribute: one line, capped.
func jattr(s string) string {
	s = jtext(s, false)
	if r := []rune(s); len(r) > junitMessageCap {
		s = string(r[:junitMessageCap-1]) + "…"
	}
	return s
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// Render writes r as JUnit XML to w.
func (JUnit) Render(w io.Writer, r *Report) error {
	d, _ := runDuration(r)
	root := junitSuites{Name: "kaudit", Time: seconds(d.Milliseconds())}
	for i := range r.Hosts {
		root.Suites = append(root.Suites, junitHost(r, &r.Hosts[i], i))
	}
	if r.Plan != nil {
		root.Suites = append(root.Suites, junitGate(r, len(root.Suites)))
	}
	if len(r.Notices) > 0 {
		root.Suites = append(root.Suites, junitNotices(r, len(root.Suites)))
	}
	for i := range root.Suites {
		s := &root.Suites[i]
		s.count()
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
	}
	var b strings.Builder
	root.write(&b)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

// The XML is written by hand rather than with encoding/xml, which encodes
// every newline of a failure body as &#xA; and leaves the file unreadable
// to people. Every string is already cleaned (jtext/jattr); xmlEscape
// escapes markup.

var xmlAttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#xA;", "\r", "&#xD;", "\t", "&#x9;")

var xmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")

func attr(b *strings.Builder, name, value string) {
	b.WriteString(" " + name + `="`)
	xmlAttrEscaper.WriteString(b, value)
	b.WriteString(`"`)
}

func (s *junitSuites) write(b *strings.Builder) {
	b.WriteString(xml.Header)
	b.WriteString("<testsuites")
	attr(b, "name", s.Name)
	attr(b, "tests", strconv.Itoa(s.Tests))
	attr(b, "failures", strconv.Itoa(s.Failures))
	attr(b, "errors", strconv.Itoa(s.Errors))
	attr(b, "time", s.Time)
	b.WriteString(">\n")
	for i := range s.Suites {
		s.Suites[i].write(b)
	}
	b.WriteString("</testsuites>\n")
}

func (s *junitSuite) write(b *strings.Builder) {
	b.WriteString("  <testsuite")
	attr(b, "name", s.Name)
	attr(b, "tests", strconv.Itoa(s.Tests))
	attr(b, "failures", strconv.Itoa(s.Failures))
	attr(b, "errors", strconv.Itoa(s.Errors))
	attr(b, "skipped", strconv.Itoa(s.Skipped))
	attr(b, "time", s.Time)
	if s.Timestamp != "" {
		attr(b, "timestamp", s.Timestamp)
	}
	if s.Hostname != "" {
		attr(b, "hostname", s.Hostname)
	}
	attr(b, "id", strconv.Itoa(s.ID))
	attr(b, "package", s.Package)
	b.WriteString(">\n")
	if len(s.Properties) > 0 {
		b.WriteString("    <properties>\n")
		for _, p := range s.Properties {
			b.WriteString("      <property")
			attr(b, "name", p.Name)
			attr(b, "value", p.Value)
			b.WriteString("/>\n")
		}
		b.WriteString("    </properties>\n")
	}
	for _, c := range s.Cases {
		c.write(b)
	}
	writeSystemOut(b, "    ", s.SystemOut)
	b.WriteString("  </testsuite>\n")
}

func (c *junitCase) write(b *strings.Builder) {
	b.WriteString("    <testcase")
	attr(b, "name", c.Name)
	attr(b, "classname", c.Classname)
	attr(b, "time", c.Time)
	var tag string
	var n *junitNote
	switch {
	case c.Failure != nil:
		tag, n = "failure", c.Failure
	case c.Error != nil:
		tag, n = "error", c.Error
	case c.Skipped != nil:
		tag, n = "skipped", c.Skipped
	}
	if n == nil && c.SystemOut == "" {
		b.WriteString("/>\n")
		return
	}
	b.WriteString(">\n")
	if n != nil {
		b.WriteString("      <" + tag)
		if n.Message != "" {
			attr(b, "message", n.Message)
		}
		if n.Type != "" {
			attr(b, "type", n.Type)
		}
		b.WriteString(">")
		xmlTextEscaper.WriteString(b, n.Body)
		b.WriteString("</" + tag + ">\n")
	}
	writeSystemOut(b, "      ", c.SystemOut)
	b.WriteString("    </testcase>\n")
}

// writeSystemOut writes a <system-out> element unless text is empty.
func writeSystemOut(b *strings.Builder, indent, text string) {
	if text == "" {
		return
	}
	b.WriteString(indent + "<system-out>")
	xmlTextEscaper.WriteString(b, text)
	b.WriteString("</system-out>\n")
}

// count sets the suite's tests, failures, errors and skipped from its cases.
func (s *junitSuite) count() {
	s.Tests, s.Failures, s.Errors, s.Skipped = 0, 0, 0, 0
	for _, c := range s.Cases {
		s.Tests++
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
}

func junitHost(r *Report, h *Host, id int) junitSuite {
	name := jattr(h.Name)
	s := junitSuite{
		Name:      name,
		Time:      seconds(h.DurationMS),
		Timestamp: jattr(r.StartedAt),
		Hostname:  jattr(h.Address),
		ID:        id,
		Package:   "kaudit",
	}
	prop := func(k, v string) {
		if v != "" {
			s.Properties = append(s.Properties, junitProperty{Name: k, Value: jattr(v)})
		}
	}
	prop("address", h.Address)
	prop("status", h.Status)
	prop("groups", strings.Join(h.Groups, ","))
	prop("labels", strings.Join(labelPairs(h.Labels), ","))
	prop("os", hostOS(h))
	prop("kernel", hostKernel(h))
	prop("fail_on", r.FailOn)
	if r.Plan != nil && h.Gate != "" {
		prop("gate", h.Gate)
		prop("gate_blockers", strings.Join(h.GateBlockers, ","))
		prop("projected_status", projectedStatus(h, r.FailOn))
	}

	switch {
	case h.Status == HostUnreachable:
		msg := "unreachable (" + h.Reason + "): " + reasonText(h.Reason)
		body := msg
		if h.Error != "" {
			msg += ": " + h.Error
			body += "\n\n" + h.Error
		}
		s.Cases = append(s.Cases, junitCase{
			Name: name + "::reachability", Classname: name, Time: seconds(h.DurationMS),
			Error: &junitNote{Message: jattr(msg), Type: jattr(cmp.Or(h.Reason, "unreachable")), Body: jtext(body, true)},
		})
	case len(h.Results) == 0:
		msg := "no check results for this host"
		if h.Error != "" {
			msg += ": " + h.Error
		}
		s.Cases = append(s.Cases, junitCase{
			Name: name + "::results", Classname: name, Time: "0",
			Error: &junitNote{Message: jattr(msg), Type: "incomplete", Body: jtext(msg, true)},
		})
	default:
		results := slices.Clone(h.Results)
		slices.SortStableFunc(results, func(a, b policies.Result) int { return cmp.Compare(a.ID, b.ID) })
		for _, res := range results {
			s.Cases = append(s.Cases, junitResult(name, res))
		}
	}
	return s
}

func junitResult(host string, res policies.Result) junitCase {
	id := jattr(res.ID)
	c := junitCase{Name: host + "::" + id, Classname: host, Time: "0"}
	title := res.Title
	if title == "" {
		title = res.ID
	}
	var body strings.Builder
	fmt.Fprintf(&body, "%s\n\nCheck: %s (%s): %s\n", res.Message, res.ID, res.Severity, title)
	if res.Remediation != "" {
		fmt.Fprintf(&body, "\nRemediation:\n%s\n", res.Remediation)
	}
	if ev := res.EvidenceMap(); len(ev) > 0 {
		body.WriteString("\nEvidence:\n")
		for _, kv := range evidencePairs(ev) {
			fmt.Fprintf(&body, "  %s = %s\n", kv[0], kv[1])
		}
	}
	switch res.Status {
	case policies.StatusPass:
	case policies.StatusFail:
		c.Failure = &junitNote{Message: jattr(res.Message), Type: jattr(res.Severity), Body: jtext(body.String(), true)}
	case policies.StatusWaived:
		msg := "waived"
		var detail strings.Builder
		if w := res.Waiver; w != nil {
			msg += ": " + w.Reason
			if w.Owner != "" {
				msg += " (" + w.Owner + ")"
			}
			fmt.Fprintf(&detail, "Waived (was %s): %s\nOwner: %s\nTicket: %s\nExpires: %s\n\n", w.OriginalStatus, w.Reason, w.Owner, w.Ticket, w.Expires)
		}
		c.Skipped = &junitNote{Message: jattr(msg), Type: "waived", Body: jtext(detail.String()+body.String(), true)}
	case policies.StatusNotApplicable:
		c.Skipped = &junitNote{Message: jattr("not applicable: " + res.Message), Type: "not_applicable", Body: jtext(body.String(), true)}
	default: // unknown, error, or a status this version does not know
		c.Error = &junitNote{Message: jattr(res.Status + ": " + res.Message), Type: jattr(res.Status), Body: jtext(body.String(), true)}
	}
	return c
}
