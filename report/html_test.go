package report

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"regexp"
	"strings"
	"testing"
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
	r.Notices = []Notice{waiverNotice(NoticeError, `<img src=x onerror=alert(9)>`, `inv.hcl"><script>alert(10)</script>`, `expired <iframe src=javascript:alert(11)>`)}
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
