package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
)

// TestGenerate: N hosts, every name once, one in -unreachable without
// facts, the others decodable facts whose counters differ between hosts
// of the same fixture.
func TestGenerate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "facts.json")
	if err := run(120, "../../testdata/facts", out, 10); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ff, err := facts.ReadFleetFacts(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ff.Hosts) != 120 {
		t.Fatalf("%d hosts", len(ff.Hosts))
	}
	names := map[string]bool{}
	down := 0
	nums := map[int]bool{}
	withNum := 0
	for _, h := range ff.Hosts {
		if names[h.Name] {
			t.Errorf("%s twice", h.Name)
		}
		names[h.Name] = true
		if h.Facts == nil {
			down++
			if h.Reason == "" {
				t.Errorf("%s: no facts and no reason", h.Name)
			}
			continue
		}
		if h.Facts.Host != h.Name {
			t.Errorf("%s: facts of %s", h.Name, h.Facts.Host)
		}
		if p := h.Facts.Cgroup.MemoryNumCgroups; p != nil {
			nums[*p] = true
			withNum++
		}
	}
	if down != 12 {
		t.Errorf("%d unreachable hosts, want 12", down)
	}
	if withNum < 40 || len(nums) < withNum*9/10 {
		t.Errorf("%d distinct memory num_cgroups values over %d hosts that have one: hosts are copies", len(nums), withNum)
	}
}
