package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
)

const fixtureDir = "../testdata/facts"

// loadFixture decodes testdata/facts/<name>.json strictly against facts.go.
func loadFixture(t testing.TB, name string) *facts.Facts {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f facts.Facts
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &f
}

// fixtureNames lists testdata/facts/*.json without the extension.
func fixtureNames(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out []string
	for _, p := range m {
		out = append(out, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	sort.Strings(out)
	return out
}

func newEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// byID indexes results; it fails on a duplicate id.
func byID(t testing.TB, rs []Result) map[string]Result {
	t.Helper()
	m := make(map[string]Result, len(rs))
	for _, r := range rs {
		if _, dup := m[r.ID]; dup {
			t.Fatalf("duplicate result %s", r.ID)
		}
		m[r.ID] = r
	}
	return m
}

// kmemIDs are the built-in pack's check ids (docs/policies.md).
var kmemIDs = []string{
	"kmem.kernel", "kmem.accounting", "kmem.nokmem_boot", "kmem.boot_drift", "kmem.memcg_disabled",
	"kmem.runc", "kmem.kubelet", "kmem.memcg_headroom", "kmem.memcg_zombies", "kmem.kernel_log",
	"kmem.slab_pressure", "kmem.fragmentation", "kmem.risk", "kmem.memcg_forecast",
}

func ptr[T any](v T) *T { return &v }

// writePack writes files (name → Rego source) to a new directory.
func writePack(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, src := range files {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
