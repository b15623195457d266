package policies

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	sourceURL  = regexp.MustCompile(`https?://[^\s,()]+`)
	sourcePath = regexp.MustCompile(`\b(?:docs|testdata)/[A-Za-z0-9_./-]*[A-Za-z0-9_]`)
)

// TestSourcesCanBeOpened: every source `kaudit policy show` cites is a public
// link or a file of this repository that exists; no check cites material a
// user cannot open (private write-ups, notes outside the repository).
func TestSourcesCanBeOpened(t *testing.T) {
	e := newEngine(t, Options{})
	for _, c := range e.Checks() {
		doc, ok := e.Describe(c.ID)
		if !ok {
			t.Fatalf("%s: no description", c.ID)
		}
		if len(doc.Sources) == 0 {
			t.Errorf("%s: no sources", c.ID)
		}
		for _, s := range doc.Sources {
			urls, paths := sourceURL.FindAllString(s, -1), sourcePath.FindAllString(s, -1)
			if len(urls) == 0 && len(paths) == 0 {
				t.Errorf("%s: source %q is neither a link nor a repository file", c.ID, s)
			}
			for _, u := range urls {
				if !strings.HasPrefix(u, "https://") {
					t.Errorf("%s: source link %q is not https", c.ID, u)
				}
			}
			for _, p := range paths {
				if _, err := os.Stat(filepath.Join("..", p)); err != nil {
					t.Errorf("%s: source %q names %s, which is not in the repository", c.ID, s, p)
				}
			}
			if low := strings.ToLower(s); strings.Contains(low, "shared/") || strings.Contains(low, "domain doc") || regexp.MustCompile(`\bseeds? \d`).MatchString(low) {
				t.Errorf("%s: source %q cites material outside the repository", c.ID, s)
			}
		}
	}
}
