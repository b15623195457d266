package shard

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Spec
		err  bool
	}{
		{"", Spec{}, false},
		{"0/1", Spec{0, 1}, false},
		{"0/4", Spec{0, 4}, false},
		{"3/4", Spec{3, 4}, false},
		{" 2 / 8 ", Spec{2, 8}, false},
		{"4/4", Spec{}, true},
		{"-1/4", Spec{}, true},
		{"1/0", Spec{}, true},
		{"1", Spec{}, true},
		{"a/4", Spec{}, true},
		{"1/b", Spec{}, true},
		{"0/10001", Spec{}, true},
		{"1/2/3", Spec{}, true},
	} {
		got, err := Parse(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestOfIsFNV1a pins the hash: shard membership must not change between
// kaudit versions (shards of one run may come from different binaries).
func TestOfIsFNV1a(t *testing.T) {
	// FNV-1a 64 offset basis 0xcbf29ce484222325; of "a": 0xaf63dc4c8601ec8c.
	if got, want := Of("a", 1<<20), int(uint64(0xaf63dc4c8601ec8c)%(1<<20)); got != want {
		t.Errorf("Of(a) = %d, want %d", got, want)
	}
	if got, want := Of("", 7), int(uint64(0xcbf29ce484222325)%7); got != want {
		t.Errorf("Of(\"\") = %d, want %d", got, want)
	}
}

// TestShardsPartition: every host is in exactly one shard, for every N, and
// the shards are roughly even.
func TestShardsPartition(t *testing.T) {
	var names []string
	for i := range 3000 {
		names = append(names, fmt.Sprintf("node-%04d.rack%d.example.com", i, i%40))
	}
	for _, n := range []int{1, 2, 3, 4, 7, 16} {
		count := make([]int, n)
		for _, name := range names {
			in := 0
			for k := range n {
				if (Spec{K: k, N: n}).Has(name) {
					in++
					count[k]++
				}
			}
			if in != 1 {
				t.Fatalf("N=%d: %s is in %d shards", n, name, in)
			}
		}
		total := 0
		for k, c := range count {
			total += c
			if want := len(names) / n; n > 1 && (c < want*8/10 || c > want*12/10) {
				t.Errorf("N=%d: shard %d has %d hosts, want about %d", n, k, c, want)
			}
		}
		if total != len(names) {
			t.Errorf("N=%d: %d hosts in all shards, want %d", n, total, len(names))
		}
	}
}

func TestFilter(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e", "f"}
	id := func(s string) string { return s }
	if got := Filter(Spec{}, names, id); len(got) != len(names) {
		t.Errorf("whole fleet: %v", got)
	}
	seen := map[string]bool{}
	for k := range 3 {
		for _, n := range Filter(Spec{K: k, N: 3}, names, id) {
			if seen[n] {
				t.Errorf("%s twice", n)
			}
			seen[n] = true
			if Of(n, 3) != k {
				t.Errorf("%s in shard %d, hash says %d", n, k, Of(n, 3))
			}
		}
	}
	if len(seen) != len(names) {
		t.Errorf("hosts lost: %v", seen)
	}
}
