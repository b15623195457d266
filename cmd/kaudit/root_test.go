package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestFlagScope: a command's help lists the selection flags it uses and no
// others (policy and version ignore -i/-j/--limit; eval reads facts and has
// no --facts-out).
func TestFlagScope(t *testing.T) {
	a := &app{stdout: io.Discard, stderr: io.Discard}
	root := a.rootCommand()
	tests := []struct {
		path       string
		want, none []string
	}{
		{"run", []string{"inventory", "limit", "concurrency", "policy", "shard", "facts-out", "report"}, nil},
		{"facts", []string{"inventory", "limit", "concurrency", "shard"}, []string{"policy", "report"}},
		{"eval", []string{"inventory", "limit", "policy", "shard", "report", "sosreport"}, []string{"concurrency", "facts-out"}},
		{"gate", []string{"inventory", "limit", "concurrency", "policy", "shard", "plan"}, nil},
		{"merge", []string{"inventory", "limit", "policy", "shard", "report"}, []string{"concurrency"}},
		{"policy show", []string{"policy"}, []string{"inventory", "limit", "concurrency", "shard"}},
		{"policy list", []string{"policy"}, []string{"inventory", "limit", "concurrency", "shard"}},
		{"version", nil, []string{"inventory", "limit", "concurrency", "policy", "shard"}},
		{"inventory hosts", []string{"inventory", "limit", "shard"}, []string{"concurrency", "policy"}},
		{"waiver list", []string{"inventory", "limit", "policy"}, []string{"concurrency", "shard"}},
		{"history runs", []string{"inventory", "history"}, []string{"concurrency", "policy", "shard"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			cmd, _, err := root.Find(strings.Fields(tc.path))
			if err != nil || cmd.Name() != strings.Fields(tc.path)[len(strings.Fields(tc.path))-1] {
				t.Fatalf("find %q: %v", tc.path, err)
			}
			var got []string
			visit := func(f *pflag.Flag) { got = append(got, f.Name) }
			cmd.LocalFlags().VisitAll(visit)
			cmd.InheritedFlags().VisitAll(visit)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: no --%s (flags %v)", tc.path, w, got)
				}
			}
			for _, n := range tc.none {
				if slices.Contains(got, n) {
					t.Errorf("%s: offers --%s, which it ignores", tc.path, n)
				}
			}
		})
	}
}
