package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// viewport sets the tab's viewport to w×h CSS pixels.
func (p *browserPage) viewport(w, h int64) {
	p.t.Helper()
	p.run(emulation.SetDeviceMetricsOverride(w, h, 1, w < 600))
}

// topOf is the element's distance from the viewport's top (-1: absent).
func (p *browserPage) topOf(sel string) float64 {
	p.t.Helper()
	var top float64
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.getBoundingClientRect().top : -1; })()`, sel), &top)
	return top
}

// TestHTMLBottomLineInBrowser: the first screen (1280×800) says how many
// nodes are exposed, which, and their fix, with a copy button that copies
// exactly the commands — through navigator.clipboard and, without it,
// through the textarea fallback.
func TestHTMLBottomLineInBrowser(t *testing.T) {
	p := newBrowserPage(t)
	p.viewport(1280, 800)
	r := finishedSample(t)
	p.load(r)
	p.run(chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	head := p.text("#h-bottom")
	if head != "2 of 6 hosts exposed to the kmem leak" {
		t.Errorf("bottom line %q", head)
	}
	group := p.text("#bottom .fixgroup")
	for _, want := range []string{"2 hosts", "shortest fix: boot with cgroup.memory=nokmem", "k8s-node-000", "k8s-node-003"} {
		if !strings.Contains(group, want) {
			t.Errorf("first fix lacks %q: %q", want, group)
		}
	}
	for _, sel := range []string{"#bottom .fx-hosts", "#bottom .fixgroup pre", "#bottom .fixgroup .copy"} {
		if top := p.topOf(sel); top < 0 || top >= 800 {
			t.Errorf("%s at %.0f px: not on the first screen (800 px)", sel, top)
		}
	}
	if s := p.text("#bottom .unjudged summary"); s != "1 host could not be judged" {
		t.Errorf("unjudged %q", s)
	}
	if s := p.text("#bottom .b-unr"); !strings.Contains(s, "k8s-node-002") {
		t.Errorf("unreachable line %q", s)
	}
	p.screenshot("report-first-screen.png", false)

	// The copy button, with a clipboard the test reads back (stubbed: the
	// headless clipboard needs a focused window), then without one.
	p.eval(`window.__copied = null; Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {writeText: t => { window.__copied = t; return Promise.resolve(); }}}); true`, nil)
	p.run(chromedp.Click("#bottom .fixgroup .copy", chromedp.ByQuery))
	var copied, button string
	p.waitFor(`window.__copied !== null`)
	p.eval(`window.__copied`, &copied)
	if copied != fixNokmem {
		t.Errorf("clipboard got %q, want %q", copied, fixNokmem)
	}
	p.eval(`document.querySelector('#bottom .fixgroup .copy').innerText`, &button)
	if button != "Copied" {
		t.Errorf("button says %q after copying", button)
	}
	p.eval(`window.__copied = null; Object.defineProperty(navigator, 'clipboard', {configurable: true, value: undefined});
		document.execCommand = c => { window.__copied = c === 'copy' ? document.activeElement.value : null; return true; }; true`, nil)
	p.run(chromedp.Click("#bottom .fixgroup .copy", chromedp.ByQuery))
	p.waitFor(`window.__copied !== null`)
	p.eval(`window.__copied`, &copied)
	if copied != fixNokmem {
		t.Errorf("fallback copied %q, want %q", copied, fixNokmem)
	}
	var leftover int
	p.eval(`document.querySelectorAll('body > textarea').length`, &leftover)
	if leftover != 0 {
		t.Errorf("the fallback left %d textarea(s) in the page", leftover)
	}

	// A host's chip opens its detail.
	p.run(chromedp.Click(`#bottom a[href="#host=k8s-node-003"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr.detail[data-for="k8s-node-003"]`, chromedp.ByQuery))
	p.assertClean()
}
