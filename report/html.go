package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"

	"github.com/kaudit/kaudit/policies"
)

//go:embed html/report.tmpl html/report.css html/report.js
var htmlFiles embed.FS

// HTML writes one self-contained page: inline CSS and JS, no network access,
// no external fonts. The summary, the check × group matrix, the unreachable
// hosts and the gate plan are rendered on the server by html/template; the
// host table and its detail panels are rendered in the browser from a JSON
// data island (strings interned), so the page stays small and quick at
// thousands of hosts: the table shows one page of rows at a time, and
// filters and sorting work on the data, not on DOM rows.
//
// Remote strings are text everywhere: html/template escapes what the server
// renders, the JSON island has <, > and & escaped (it cannot close its
// <script>), and the script builds the table with textContent, never
// innerHTML. A Content-Security-Policy allows only this page's own script
// and style (by hash) and no network access at all, so even an injected
// element could neither run nor phone home.
type HTML struct{}

// htmlHostCap bounds the server-rendered lists (unreachable hosts, gate
// rows, baseline misses); the host table has them all.
const htmlHostCap = 25

// Render writes r as an HTML page to w.
func (HTML) Render(w io.Writer, r *Report) error {
	tmplText, err := htmlFiles.ReadFile("html/report.tmpl")
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	css, err := htmlFiles.ReadFile("html/report.css")
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	js, err := htmlFiles.ReadFile("html/report.js")
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"hostIcon":   hostIcon,
		"resultIcon": htmlResultIcon,
		"comma":      comma,
		"hostsN":     hostsN,
		"add":        func(a, b int) int { return a + b },
	}).Parse(string(tmplText))
	if err != nil {
		return fmt.Errorf("html report: parse template: %w", err)
	}
	data, err := htmlData(r)
	if err != nil {
		return err
	}
	v := htmlViewOf(r)
	v.Data = template.JS(data)
	v.CSS = template.CSS(css)
	v.JS = template.JS(js)
	v.CSP = "default-src 'none'; script-src " + cspHash(js) + "; style-src " + cspHash(css) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// htmlResultIcon is the page's icon for a result status (report.js has the
// same table); the terminal keeps to ASCII-safe ones.
func htmlResultIcon(status string) string {
	switch status {
	case policies.StatusFail:
		return "✗"
	case policies.StatusError:
		return "⚠"
	case policies.StatusUnknown:
		return "?"
	case policies.StatusWaived:
		return "⊘"
	case policies.StatusPass:
		return "✓"
	case policies.StatusNotApplicable:
		return "–"
	}
	return "·"
}

// cspHash is the CSP source expression allowing exactly this inline text.
func cspHash(b []byte) string {
	sum := sha256.Sum256(b)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// comma prints 5000 as 5,000.
func comma(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + comma(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
