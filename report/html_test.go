package report

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

// hostileEverywhere puts markup into every string the server renders: the
// inventory name, groups, check titles, unreachable errors, gate reasons,
// baseline misses.
func hostileEverywhere() *Report {
	r := sampleGateReport()
	r.Inventory = `prod.hcl"><script>alert(3)</script>`
	r.Hosts[2].Error = `</td></tr></table><script>alert(4)</script>`
	r.Hosts[0].Groups = []string{`<b onmouseover=alert(5)>g</b>`}
	r.Checks[0].Title = `</script><script>alert(6)</script>` // kmem.kernel
	r.Plan.Reasons = append(r.Plan.Reasons, `<iframe src=javascript:alert(7)>`)
	r.Baseline = `base.json"><img src=x>`
	r.Notices = []Notice{WaiverNotice(NoticeError, `<img src=x onerror=alert(9)>`, `inv.hcl"><script>alert(10)</script>`, `expired <iframe src=javascript:alert(11)>`)}
	for i := range r.Hosts[0].Projected {
		if p := &r.Hosts[0].Projected[i]; p.ID == "kmem.risk" {
			p.Evidence[EvidencePredicted] = map[string]string{`<img src=x onerror=alert(12)>`: `</script><script>alert(13)</script>`}
		}
	}
	Finalize(r, "high")
	r.BaselineMissing = []BaselineMissing{{Host: `<img src=x onerror=alert(8)>`, Check: "kmem.risk", Why: "host_absent"}}
	return r
}

func renderHTML(t testing.TB, r *Report) string {
	t.Helper()
	return string(render(t, HTML{}, r))
}

// island extracts the JSON data island.
func island(t *testing.T, page string) string {
	t.Helper()
	const open = `<script type="application/json" id="kaudit-data">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatal("no data island")
	}
	rest := page[i+len(open):]
	j := strings.Index(rest, "</script>")
	if j < 0 {
		t.Fatal("data island not closed")
	}
	return rest[:j]
}

func TestHTMLEscapesEverything(t *testing.T) {
	page := renderHTML(t, hostileEverywhere())
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("%d <script elements, want 2 (data island and the page's own)", n)
	}
	for _, bad := range []string{"<img", "<iframe", "<b "} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains raw %q", bad)
		}
	}
	for _, want := range []string{
		"prod.hcl&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;",
		"&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(4)&lt;/script&gt;",
		"&lt;iframe src=javascript:alert(7)&gt;",
		"&lt;img src=x onerror=alert(8)&gt;",
		"waiver &#34;&lt;img src=x onerror=alert(9)&gt;&#34;",
		"inv.hcl&#34;&gt;&lt;script&gt;alert(10)&lt;/script&gt;",
		"expired &lt;iframe src=javascript:alert(11)&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the escaped text %q", want)
		}
	}
	data := island(t, page)
	if strings.ContainsAny(data, "<>") {
		t.Fatal("data island holds a raw < or >")
	}
	var doc islandDoc
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("data island is not JSON: %v", err)
	}
	var pretty bool
	for _, s := range doc.Str {
		pretty = pretty || s == hostilePretty
	}
	if !pretty {
		t.Error("the hostile PRETTY_NAME is not in the island as the literal text")
	}
	for _, c := range doc.Checks {
		if c.ID == "kmem.kernel" && c.Title != `</script><script>alert(6)</script>` {
			t.Errorf("check title in island %q", c.Title)
		}
	}
	var note bool
	for _, s := range doc.Str {
		note = note || s == `</script><script>alert(13)</script>`
	}
	if !note {
		t.Error("the hostile gate note is not in the island as the literal text")
	}
	if !strings.Contains(data, `\u003c/script\u003e\u003cscript\u003ealert(6)`) {
		t.Error("the island does not hold the escaped check title")
	}
	if !strings.Contains(page, `&lt;/script&gt;&lt;script&gt;alert(6)&lt;/script&gt;`) {
		t.Error("the matrix does not show the check title as text")
	}
}

// TestHTMLContentSecurityPolicy: the CSP allows exactly the page's own
// script and style (by hash), and nothing is loaded from anywhere.
func TestHTMLContentSecurityPolicy(t *testing.T) {
	page := renderHTML(t, finishedSample(t))
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no CSP meta")
	}
	policy := html.UnescapeString(csp[1])
	script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(page)
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	if script == nil || style == nil {
		t.Fatal("no inline script or style")
	}
	for _, want := range []string{
		"default-src 'none'",
		"script-src " + cspHash([]byte(script[1])),
		"style-src " + cspHash([]byte(style[1])),
	} {
		if !strings.Contains(policy, want) {
			t.Errorf("CSP %q lacks %q", policy, want)
		}
	}
	for _, ref := range []string{"http://", "https://", "@import", "url(", "<link"} {
		if strings.Contains(page, ref) {
			t.Errorf("page references something outside itself: %q", ref)
		}
	}
	if tag := regexp.MustCompile(`<[a-z]+[^>]*\s(src|href)="?[^"#\s>]`).FindString(page); tag != "" {
		t.Errorf("page loads or links something: %s", tag)
	}
}

func TestHTMLSections(t *testing.T) {
	page := renderHTML(t, finishedSample(t))
	for _, want := range []string{
		`id="summary"`, `id="matrix"`, `id="unreachable"`, `id="hosts"`, `id="missing"`,
		"2 of 6 hosts fail checks at or above high", "exit 1",
		`data-check="kmem.memcg_headroom" data-group="k8s-batch" title="kmem.memcg_headroom: 1 of 1 hosts in k8s-batch fail"`,
		"sha256:9f2c4e1ab3d0", "reports/2026-02-23.json", "hostkey",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="plan"`) {
		t.Error("plan section without a plan")
	}
	gate := sampleGateReport()
	Finalize(gate, "high")
	gate.Notices = sampleNotices()
	page = renderHTML(t, gate)
	for _, want := range []string{
		`id="plan"`, "1 of 6 hosts block the plan",
		`<li class="failing"><span class="r-mark" aria-hidden="true">✗</span><span class="sr">Failing rule: </span>group edge: 1 of 1 hosts no-go`,
		`<li><span class="r-mark" aria-hidden="true">·</span>1 of 5 targeted hosts unreachable, within max_unreachable`,
		`<a class="h-link" href="#host=k8s-node-002"`, `<span class="badge g-unr">not judged</span>`, "unreachable (hostkey)",
		`id="notices"`, `<strong>waiver &#34;kmem.runc&#34;</strong> expired on 2026-02-28`, `<code class="n-pos">inventories/prod.hcl:86:1</code>`,
		`<span class="badge n-warn"><span aria-hidden="true">!</span> warning</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("gate page lacks %q", want)
		}
	}
	// No-go hosts first, then the unreachable, then go.
	if a, b, c := strings.Index(page, `href="#host=edge-07"`), strings.Index(page, `href="#host=k8s-node-002"`), strings.Index(page, `href="#host=k8s-node-000"`); !(a >= 0 && a < b && b < c) {
		t.Errorf("plan rows out of order: edge-07 at %d, k8s-node-002 at %d, k8s-node-000 at %d", a, b, c)
	}
	if strings.Index(page, `id="notices"`) > strings.Index(page, `id="summary"`) {
		t.Error("the notices panel should come before the fleet summary")
	}
	if page := renderHTML(t, finishedSample(t)); strings.Contains(page, `id="notices"`) {
		t.Error("notices panel without notices")
	}
	interrupted := finishedSample(t)
	interrupted.Interrupted = true
	if page := renderHTML(t, interrupted); !strings.Contains(page, "Interrupted.") {
		t.Error("no interrupted banner")
	}
	empty := &Report{}
	Finalize(empty, "")
	if page := renderHTML(t, empty); !strings.Contains(page, "No hosts were audited") {
		t.Error("empty report: no verdict")
	}
}

// TestHTMLIslandProjected: a projected result carries its status, whether
// it is predicted, its waiver and the gate's notes, not the current
// result's evidence or remediation again.
func TestHTMLIslandProjected(t *testing.T) {
	r := sampleGateReport()
	Finalize(r, "high")
	data, err := htmlData(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc islandDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Plan {
		t.Fatal("island does not say it is a gate report")
	}
	h := doc.Hosts[0] // k8s-node-000
	if h.Gate != "go" || h.ProjStatus != HostCompliant || len(h.Proj) != len(h.Results) {
		t.Fatalf("k8s-node-000: gate %q, after the plan %q, %d projected for %d results", h.Gate, h.ProjStatus, len(h.Proj), len(h.Results))
	}
	if u := doc.Hosts[2]; u.Gate != "" || u.ProjStatus != "" || u.Proj != nil {
		t.Errorf("unreachable host with a projection: %+v", u)
	}
	pairs := func(kvs [][2]int) [][2]string {
		var out [][2]string
		for _, kv := range kvs {
			out = append(out, [2]string{doc.Str[kv[0]], doc.Str[kv[1]]})
		}
		return out
	}
	seen := map[string]bool{}
	for _, p := range h.Proj {
		id := doc.Checks[p.Check].ID
		seen[id] = true
		if !p.Predicted || p.Fix != 0 || p.Evidence != nil || p.Baseline != "" {
			t.Errorf("%s after the plan: %+v", id, p)
		}
		switch id {
		case "kmem.runc":
			if got := pairs(p.Planned); len(got) != 1 || got[0] != [2]string{"runtimes.runc", "docker-runc 1.0.0-rc5+dev → 1.0.0-rc95"} || p.Notes != nil {
				t.Errorf("kmem.runc notes: planned %v, predicted %v", got, pairs(p.Notes))
			}
		case "kmem.risk":
			if got := pairs(p.Notes); len(got) != 1 || got[0] != [2]string{"kmem.kubepods.state", noteKubepodsNokmem} {
				t.Errorf("kmem.risk predicted %v", got)
			}
		case "kmem.slab_pressure":
			if p.Status != "waived" || p.Waiver == nil || p.Waiver.Owner != "platform-team" || p.Waiver.Was != "unknown" {
				t.Errorf("kmem.slab_pressure after the plan: %+v %+v", p, p.Waiver)
			}
		}
	}
	if !seen["kmem.runc"] || !seen["kmem.risk"] || !seen["kmem.slab_pressure"] {
		t.Errorf("projected checks %v", seen)
	}
	for _, res := range h.Results {
		for _, kv := range res.Evidence {
			if k := doc.Str[kv[0]]; k == EvidencePlanned || k == EvidencePredicted {
				t.Errorf("current result carries %s", k)
			}
		}
	}
}

// TestHTMLInterning: at fleet size the repeated strings are stored once.
func TestHTMLInterning(t *testing.T) {
	big := bigReport(1000)
	Finalize(big, "high")
	data, err := htmlData(big)
	if err != nil {
		t.Fatal(err)
	}
	var doc islandDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hosts) != 1000 || len(doc.Str) > 200 {
		t.Errorf("%d hosts, %d interned strings (want 1000 and the sample's few distinct ones)", len(doc.Hosts), len(doc.Str))
	}
	if perHost := len(data) / 1000; perHost > 4096 {
		t.Errorf("%d bytes of data per host", perHost)
	}
}

// BenchmarkHTML5000 renders a 5,000-host report. b.N renders; the page size
// is reported as MB/page.
func BenchmarkHTML5000(b *testing.B) {
	r := bigReport(5000)
	Finalize(r, "high")
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := (HTML{}).Render(&buf, r); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "MB/page")
}

func BenchmarkJSON5000(b *testing.B) {
	r := bigReport(5000)
	Finalize(r, "high")
	var size int
	for b.Loop() {
		cw := &countWriter{}
		if err := (JSON{}).Render(cw, r); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.ReportMetric(float64(size)/(1<<20), "MB/doc")
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

func TestHTMLTitle(t *testing.T) {
	for _, tc := range []struct{ inv, at, want string }{
		{"/tmp/kaudit-123/prod-east.hcl", "2026-12-03T19:55:05Z", "kaudit · prod-east · 2026-12-03 19:55 UTC"},
		{"fleet.hcl", "2026-12-03T21:55:05+02:00", "kaudit · fleet · 2026-12-03 19:55 UTC"},
		{"", "", "kaudit · fleet"},
	} {
		r := &Report{Inventory: tc.inv, StartedAt: tc.at}
		if got := htmlTitle(r); got != tc.want {
			t.Errorf("htmlTitle(%q, %q) = %q, want %q", tc.inv, tc.at, got, tc.want)
		}
	}
}

func TestHTMLMatrixOrder(t *testing.T) {
	r := &Report{FailOn: "high", Checks: []policies.CheckInfo{
		{ID: "kmem.b", Severity: "low"}, {ID: "kmem.a", Severity: "low"},
		{ID: "kmem.crit", Severity: "critical"}, {ID: "kmem.risk", Severity: "high"},
	}}
	_, rows := htmlMatrix(r)
	var got []string
	for _, row := range rows {
		got = append(got, row.Check.ID)
	}
	if want := "kmem.risk kmem.crit kmem.a kmem.b"; strings.Join(got, " ") != want {
		t.Errorf("matrix order %q, want %q", strings.Join(got, " "), want)
	}
}

func TestHTMLOneGroupNoColumn(t *testing.T) {
	r := &Report{FailOn: "high", Checks: []policies.CheckInfo{{ID: "kmem.risk", Severity: "high"}},
		Hosts: []Host{{Name: "a", Groups: []string{"prod"}}, {Name: "b", Groups: []string{"prod"}}}}
	if v := htmlViewOf(r); len(v.Groups) != 0 || len(v.Matrix[0].Cells) != 0 {
		t.Errorf("one group for all hosts: groups %q, cells %d", v.Groups, len(v.Matrix[0].Cells))
	}
	r.Hosts[1].Groups = []string{"dev"}
	if v := htmlViewOf(r); len(v.Groups) != 2 {
		t.Errorf("two groups: %q", v.Groups)
	}
}
