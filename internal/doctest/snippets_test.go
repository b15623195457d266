package doctest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/pipeline/gate"
	"github.com/kaudit/kaudit/inventory"
)

// snippet is one ```hcl block of a Markdown file.
type snippet struct {
	file string
	line int    // line of the opening fence
	kind string // "inventory" (default), "plan" or "fragment", from a <!-- snippet: KIND --> line before the fence
	body string
}

func snippets(t *testing.T, path string) []snippet {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []snippet
	var cur *snippet
	var body strings.Builder
	prev := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(l) == "```hcl":
			kind := "inventory"
			if k, ok := strings.CutPrefix(strings.TrimSpace(prev), "<!-- snippet:"); ok {
				kind = strings.TrimSpace(strings.TrimSuffix(k, "-->"))
			}
			cur = &snippet{file: path, line: n, kind: kind}
			body.Reset()
		case cur != nil && strings.TrimSpace(l) == "```":
			cur.body = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(l + "\n")
		}
		prev = l
	}
	if cur != nil {
		t.Errorf("%s:%d: an hcl block is never closed", path, cur.line)
	}
	return out
}

// TestDocSnippetsParse: every inventory snippet in README.md and docs/*.md
// loads with the inventory decoder, every gate plan snippet with the plan
// decoder, and fragments (a line or two quoted from a larger file) parse as
// HCL at least. A snippet marks its kind with <!-- snippet: plan --> or
// <!-- snippet: fragment --> on the line before its fence.
func TestDocSnippetsParse(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	total := 0
	for _, f := range files {
		for _, s := range snippets(t, f) {
			total++
			name := filepath.Base(s.file) + ":" + itoa(s.line)
			t.Run(name, func(t *testing.T) {
				switch s.kind {
				case "inventory":
					env := func(string) (string, bool) { return "doc-test-value", true }
					read := func(string) ([]byte, error) { return []byte("doc-test-value\n"), nil }
					_, _, diags := inventory.LoadBytes(map[string][]byte{"snippet.hcl": []byte(s.body)},
						inventory.LoadOptions{Getenv: env, ReadFile: read})
					if diags.HasErrors() {
						t.Errorf("%s: the inventory snippet does not load:\n%s\n%s", name, diags.Error(), s.body)
					}
				case "plan":
					if _, _, diags := gate.Parse([]byte(s.body), "snippet.hcl"); diags.HasErrors() {
						t.Errorf("%s: the plan snippet does not load:\n%s\n%s", name, diags.Error(), s.body)
					}
				case "fragment":
					// attribute lines quoted from a host block (alternatives,
					// one per line) go back into one each; blocks (a waiver)
					// go beside the groups the docs' examples declare
					srcs := []string{fragmentPrelude + s.body}
					if first := strings.Fields(s.body); len(first) > 1 && first[1] == "=" {
						srcs = nil
						for _, l := range strings.Split(strings.TrimSpace(s.body), "\n") {
							srcs = append(srcs, "host \"h\" {\n  address = \"10.0.0.1\"\n"+l+"\n}\n")
						}
					}
					env := func(string) (string, bool) { return "doc-test-value", true }
					read := func(string) ([]byte, error) { return []byte("doc-test-value\n"), nil }
					for _, src := range srcs {
						if _, _, diags := inventory.LoadBytes(map[string][]byte{"snippet.hcl": []byte(src)},
							inventory.LoadOptions{Getenv: env, ReadFile: read}); diags.HasErrors() {
							t.Errorf("%s: the fragment does not load:\n%s\n%s", name, diags.Error(), src)
						}
					}
				default:
					t.Errorf("%s: unknown snippet kind %q (inventory, plan, fragment)", name, s.kind)
				}
			})
		}
	}
	if total < 5 {
		t.Errorf("only %d hcl snippets found in the docs: the extraction is broken", total)
	}
}

// fragmentPrelude declares what the docs' inventory examples declare, for
// block fragments that refer to it.
const fragmentPrelude = "group \"workers\" {}\ngroup \"databases\" {}\nhost \"worker-001\" {\n  address = \"10.0.0.2\"\n  groups = [\"workers\"]\n}\n"

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
