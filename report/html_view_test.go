package report

import (
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

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
	plan := page[strings.Index(page, `id="plan"`):] // the bottom line names hosts too
	if a, b, c := strings.Index(plan, `href="#host=edge-07"`), strings.Index(plan, `href="#host=k8s-node-002"`), strings.Index(plan, `href="#host=k8s-node-000"`); !(a >= 0 && a < b && b < c) {
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

// TestHTMLHeading: the page's heading names the inventory, never its
// (possibly temporary) directory, which stays in the heading's tooltip.
func TestHTMLHeading(t *testing.T) {
	for _, tc := range []struct{ inv, want string }{
		{"/var/lib/kaudit-testfleet/r1/inventory.hcl", `<h1 title="/var/lib/kaudit-testfleet/r1/inventory.hcl">inventory</h1>`},
		{"prod <east>.hcl", `<h1 title="prod &lt;east&gt;.hcl">prod &lt;east&gt;</h1>`},
		{"", `<h1>(no inventory)</h1>`},
	} {
		var b strings.Builder
		if err := (HTML{}).Render(&b, &Report{Inventory: tc.inv, FailOn: "high"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("inventory %q: no %s in the page", tc.inv, tc.want)
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
