package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete command and returns the
// candidates (without descriptions) and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	_, out, _ := kaudit(t, append([]string{"__complete"}, args...)...)
	var cands []string
	dir := ""
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, ":") {
			dir = l
			continue
		}
		c, _, _ := strings.Cut(l, "\t")
		cands = append(cands, c)
	}
	return cands, dir
}

func TestCompletion(t *testing.T) {
	inv := filepath.Join(t.TempDir(), "inv.hcl")
	src := `group "workers" {
  labels = { role = "worker" }
  hosts  = ["w1", "w2"]
}
host "db-01" {
  address = "10.1.2.3"
  labels  = { role = "db" }
}
`
	if err := os.WriteFile(inv, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		want, none []string
	}{
		{"report formats", []string{"run", "--report", ""}, []string{"json", "sarif=", "html="}, nil},
		{"report path", []string{"run", "--report", "json="}, nil, []string{"json"}},
		{"fail-on", []string{"gate", "--fail-on", ""}, []string{"critical", "high", "medium", "low", "info"}, nil},
		{"policy show", []string{"policy", "show", "kmem.r"}, []string{"kmem.risk", "kmem.runc"}, []string{"kmem.kernel"}},
		{"limit from -i", []string{"run", "-i", inv, "--limit", ""}, []string{"w1", "db-01", "group=workers", "label.role=db", "label.role=worker"}, nil},
		{"limit prefix", []string{"run", "-i", inv, "--limit", "label."}, []string{"label.role=db"}, []string{"w1", "group=workers"}},
		{"limit bad inventory", []string{"run", "-i", filepath.Join(t.TempDir(), "none.hcl"), "--limit", ""}, nil, []string{"w1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, dir := complete(t, tc.args...)
			if dir == "" {
				t.Fatalf("no directive line: %v", got)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("%v: no %q in %v", tc.args, w, got)
				}
			}
			for _, n := range tc.none {
				if slices.Contains(got, n) {
					t.Errorf("%v: %q offered: %v", tc.args, n, got)
				}
			}
		})
	}
}
