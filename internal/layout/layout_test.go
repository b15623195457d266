// Package layout holds only the test that keeps the repository's layout what
// README.md ("Layout") and docs/architecture.md say: every stage imports
// only stages before it.
package layout

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kaudit/kaudit/"

// stages are the top-level stages in flow order; a package may import its
// own stage and the ones before it.
var stages = []string{"inventory", "probes", "policies", "report", "history", "internal/pipeline", "cmd"}

// stageOf returns the stage index of a package directory (relative to the
// repository root) or -1 for what is not a stage: test helpers (packages
// named *test), the test fleet and e2e suite, benchmarks, examples, deploy.
func stageOf(dir string) int {
	if strings.HasSuffix(filepath.Base(dir), "test") {
		return -1
	}
	best, at := -1, 0
	for i, s := range stages {
		if (dir == s || strings.HasPrefix(dir, s+"/")) && len(s) > at {
			best, at = i, len(s)
		}
	}
	return best
}

// TestImportsFlowOneWay parses every non-test Go file of the stages and
// fails on an import of a later stage, or of a test helper.
func TestImportsFlowOneWay(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "bin" || n == "out") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		from := stageOf(rel)
		if from < 0 {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			dep := strings.TrimPrefix(p, module)
			to := stageOf(dep)
			switch {
			case to < 0:
				t.Errorf("%s imports %s, which is not a stage (a test helper or tool)", path, dep)
			case to > from:
				t.Errorf("%s (%s) imports %s (%s): a later stage", path, stages[from], dep, stages[to])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the walk rooted at the repository?", checked)
	}
}

// TestStageOf pins the classification the walk relies on.
func TestStageOf(t *testing.T) {
	for dir, want := range map[string]int{
		"inventory":                      0,
		"inventory/shard":                0,
		"probes/facts":                   1,
		"probes/collector/collectortest": -1,
		"policies/version":               2,
		"report":                         3,
		"history":                        4,
		"internal/pipeline/gate":         5,
		"internal/testfleet":             -1,
		"internal/pgtest":                -1,
		"cmd/kaudit":                     6,
		"bench/evalbench":                -1,
	} {
		if got := stageOf(dir); got != want {
			t.Errorf("stageOf(%q) = %d, want %d", dir, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "..", "go.mod")); err != nil {
		t.Fatalf("not at the repository: %v", err)
	}
}
