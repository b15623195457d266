// Package shard splits a fleet into N disjoint parts by a stable hash of the
// host name, so N kaudit processes (a Kubernetes Indexed Job, a CI matrix)
// audit N parts and `kaudit merge` joins their reports. A host's shard
// depends on its name and N only: not on the inventory's order, the other
// hosts or the machine, so every shard process agrees without talking to
// the others.
package shard

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// MaxShards bounds N (a typo like 1/1000000 is an error, not a million
// empty shards).
const MaxShards = 10000

// Spec is one shard: K of N, 0 <= K < N. The zero Spec (N == 0) is the
// whole fleet.
type Spec struct {
	K, N int
}

// Parse reads "K/N" (K from 0 to N-1, so a Job's JOB_COMPLETION_INDEX can
// be used as is). "" is the whole fleet.
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Spec{}, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{}, fmt.Errorf("shard %q: want K/N, e.g. 0/4 (K from 0 to N-1)", s)
	}
	k, err := strconv.Atoi(strings.TrimSpace(ks))
	if err != nil {
		return Spec{}, fmt.Errorf("shard %q: K %q is not a number", s, ks)
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil {
		return Spec{}, fmt.Errorf("shard %q: N %q is not a number", s, ns)
	}
	if n < 1 || n > MaxShards {
		return Spec{}, fmt.Errorf("shard %q: N must be 1..%d", s, MaxShards)
	}
	if k < 0 || k >= n {
		return Spec{}, fmt.Errorf("shard %q: K must be 0..%d (shards are numbered from 0, like JOB_COMPLETION_INDEX)", s, n-1)
	}
	return Spec{K: k, N: n}, nil
}

// All reports whether the spec is the whole fleet.
func (s Spec) All() bool { return s.N <= 1 }

// String is "K/N", or "" for the whole fleet.
func (s Spec) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// Of is the shard (0..n-1) of a host name: FNV-1a 64 of the name's bytes,
// modulo n.
func Of(name string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return int(h.Sum64() % uint64(n))
}

// Has reports whether the host named name belongs to the shard.
func (s Spec) Has(name string) bool {
	return s.All() || Of(name, s.N) == s.K
}

// Filter keeps the elements of xs whose name is in the shard, in order.
func Filter[T any](s Spec, xs []T, name func(T) string) []T {
	if s.All() {
		return xs
	}
	out := make([]T, 0, len(xs)/s.N+1)
	for _, x := range xs {
		if s.Has(name(x)) {
			out = append(out, x)
		}
	}
	return out
}
