package probes

import (
	"slices"
	"strings"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/transport"
)

// scheduler decides which host starts next: the first one in input order
// whose caps (global, each capped group, its first bastion) all have room.
// A host held back by a group or bastion cap takes no global slot, so other
// hosts keep flowing. It is used from one goroutine.
type scheduler struct {
	global  int
	running int
	pending []int          // host indexes not started, in input order
	caps    [][]string     // per host: the keys of the caps it counts against
	limit   map[string]int // cap per key
	inUse   map[string]int // hosts running per key
}

func newScheduler(hosts []*inventory.Host, inv *inventory.Inventory, global int) *scheduler {
	s := &scheduler{global: global, caps: make([][]string, len(hosts)),
		limit: map[string]int{}, inUse: map[string]int{}}
	for i, h := range hosts {
		s.pending = append(s.pending, i)
		s.caps[i] = s.capsOf(h, inv)
	}
	return s
}

// capsOf lists h's cap keys and records their limits.
func (s *scheduler) capsOf(h *inventory.Host, inv *inventory.Inventory) []string {
	var keys []string
	add := func(key string, limit int) {
		s.limit[key] = limit
		keys = append(keys, key)
	}
	for _, g := range h.Groups {
		if inv != nil && inv.Groups[g] != nil && inv.Groups[g].Concurrency > 0 {
			add("group "+g, inv.Groups[g].Concurrency)
		}
	}
	if len(keys) == 0 && h.Concurrency > 0 {
		// No group definitions to go by: the groups this host is in share
		// its (tightest) cap.
		add("groups "+strings.Join(h.Groups, ","), h.Concurrency)
	}
	if h.Bastion != "" && h.Transport != "local" {
		limit := transport.DefaultBastionConcurrency
		if inv != nil && inv.Bastions[h.Bastion] != nil && inv.Bastions[h.Bastion].Concurrency > 0 {
			limit = inv.Bastions[h.Bastion].Concurrency
		}
		add("bastion "+h.Bastion, limit)
	}
	return keys
}

// next returns the next host to start and marks it running; false when the
// global cap is reached or every pending host is held back by a cap.
func (s *scheduler) next() (int, bool) {
	if s.running >= s.global {
		return 0, false
	}
	for at, i := range s.pending {
		if !s.fits(i) {
			continue
		}
		s.pending = slices.Delete(s.pending, at, at+1)
		for _, k := range s.caps[i] {
			s.inUse[k]++
		}
		s.running++
		return i, true
	}
	return 0, false
}

func (s *scheduler) fits(i int) bool {
	for _, k := range s.caps[i] {
		if s.inUse[k] >= s.limit[k] {
			return false
		}
	}
	return true
}

// release marks host i done and frees every capacity it held.
func (s *scheduler) release(i int) {
	for _, k := range s.caps[i] {
		s.inUse[k]--
	}
	s.running--
}

// drain removes and returns every host not started.
func (s *scheduler) drain() []int {
	out := s.pending
	s.pending = nil
	return out
}
