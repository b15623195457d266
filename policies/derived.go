package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kaudit/kaudit/probes/facts"
)

// Derived facts (input.derived; docs/facts.md "Derived facts"). Some values
// the kmem pack needs are counts and selections over the facts: no
// threshold, no param and no verdict goes into them. Written in Rego they
// are loops (every buddy order of every zone, every sampled cgroup, every
// persisted boot entry), which cost OPA's evaluator more than the checks
// that read them. kaudit computes them here, once per host, and passes them
// as input.derived; each key is the value of the kmem rule of the same name,
// which uses input.derived when it is there and computes the value itself
// otherwise (plain `opa eval` on a facts document). The Rego stays the
// definition users read; TestDerivedMatchesRego holds Derive to it on every
// fixture and on variants of each.

// Derived is one host's derived facts.
type Derived struct {
	// KmemCounts: kmem.containers_{found,sampled,active,inactive,error}
	// (the kmem_counts rule).
	KmemCounts KmemCounts
	// ActiveCount / InactiveCount: sampled cgroups whose
	// memory.kmem.slabinfo is readable / reads EIO, kubepods included
	// (active_count, inactive_count).
	ActiveCount, InactiveCount int
	// RuncSampleActive / RuncSampleInactive: the same over the cgroups runc
	// made: docker and system_slice ones, plus container ones when
	// kubepods is not accounted (runc_sample_active, runc_sample_inactive).
	RuncSampleActive, RuncSampleInactive int
	// BuddyZones: the Normal and DMA32 rows of memory.buddyinfo, in order
	// (_buddy_zones).
	BuddyZones []BuddyZoneStats
	// BootRelevant: indexes into boot.persisted of the entries that decide
	// the next boot: /etc/default/grub always, others when default
	// (boot_relevant holds the entries themselves).
	BootRelevant []int
}

// KmemCounts are the container sample's counters, 0 when not collected.
type KmemCounts struct {
	Found, Sampled, Active, Inactive, Error int
}

// BuddyZoneStats summarises one buddyinfo row.
type BuddyZoneStats struct {
	Node int
	Zone string
	// MaxOrder is the highest order with a free block, -1 when none.
	MaxOrder int
	// FreeFrom[k] is the number of free blocks of order >= k, for k from 0
	// to len(free) (the last is 0).
	FreeFrom []int64
}

// Derive computes the derived facts of f.
func Derive(f *facts.Facts) Derived {
	var d Derived
	k := f.Kmem
	d.KmemCounts = KmemCounts{k.ContainersFound, k.ContainersSampled, k.ContainersActive, k.ContainersInactive, k.ContainersError}
	d.ActiveCount, d.InactiveCount = k.ContainersActive, k.ContainersInactive
	kubepodsActive := k.Kubepods != nil && k.Kubepods.State == "active"
	switch {
	case kubepodsActive:
		d.ActiveCount++
	case k.Kubepods != nil && k.Kubepods.State == "inactive":
		d.InactiveCount++
	}
	for _, c := range k.Containers {
		// below an accounted kubepods, container cgroups inherit kmem
		// whatever runc does
		if c.Kind != "docker" && c.Kind != "system_slice" && (c.Kind != "container" || kubepodsActive) {
			continue
		}
		switch c.State {
		case "active":
			d.RuncSampleActive++
		case "inactive":
			d.RuncSampleInactive++
		}
	}
	for _, z := range f.Memory.Buddyinfo {
		if (z.Zone != "Normal" && z.Zone != "DMA32") || z.Free == nil {
			continue
		}
		s := BuddyZoneStats{Node: z.Node, Zone: z.Zone, MaxOrder: -1, FreeFrom: make([]int64, len(z.Free)+1)}
		for o := len(z.Free) - 1; o >= 0; o-- {
			s.FreeFrom[o] = s.FreeFrom[o+1] + z.Free[o]
			if z.Free[o] > 0 && s.MaxOrder < 0 {
				s.MaxOrder = o
			}
		}
		d.BuddyZones = append(d.BuddyZones, s)
	}
	for i, p := range f.Boot.Persisted {
		if p.Kind == "default_grub" || p.Default {
			d.BootRelevant = append(d.BootRelevant, i)
		}
	}
	return d
}

// Rego keys of input.derived (the names of the rules they stand for).
var (
	keyDerived       = ast.StringTerm("derived")
	keyKmemCounts    = ast.StringTerm("kmem_counts")
	keyActiveCount   = ast.StringTerm("active_count")
	keyInactiveCount = ast.StringTerm("inactive_count")
	keyRuncActive    = ast.StringTerm("runc_sample_active")
	keyRuncInactive  = ast.StringTerm("runc_sample_inactive")
	keyBuddyZones    = ast.StringTerm("_buddy_zones")
	keyBootRelevant  = ast.StringTerm("boot_relevant")
	keyFound         = ast.StringTerm("containers_found")
	keySampled       = ast.StringTerm("containers_sampled")
	keyCActive       = ast.StringTerm("containers_active")
	keyCInactive     = ast.StringTerm("containers_inactive")
	keyCError        = ast.StringTerm("containers_error")
	keyNode          = ast.StringTerm("node")
	keyZone          = ast.StringTerm("zone")
	keyMaxOrder      = ast.StringTerm("max_order")
	keyFreeFrom      = ast.StringTerm("free_from")
	keyBoot          = ast.StringTerm("boot")
	keyPersisted     = ast.StringTerm("persisted")
)

// derivedValue is input.derived for d; fv is the host's facts object (the
// boot_relevant entries are its boot.persisted terms, shared, not copied).
func derivedValue(d Derived, fv ast.Object) *ast.Term {
	num := func(n int) *ast.Term { return ast.InternedTerm(n) }
	c := d.KmemCounts
	counts := ast.NewObject(
		[2]*ast.Term{keyFound, num(c.Found)},
		[2]*ast.Term{keySampled, num(c.Sampled)},
		[2]*ast.Term{keyCActive, num(c.Active)},
		[2]*ast.Term{keyCInactive, num(c.Inactive)},
		[2]*ast.Term{keyCError, num(c.Error)},
	)
	zones := make([]*ast.Term, len(d.BuddyZones))
	for i, z := range d.BuddyZones {
		from := make([]*ast.Term, len(z.FreeFrom))
		for j, n := range z.FreeFrom {
			from[j] = ast.InternedTerm(n)
		}
		zones[i] = ast.ObjectTerm(
			[2]*ast.Term{keyNode, num(z.Node)},
			[2]*ast.Term{keyZone, ast.StringTerm(z.Zone)},
			[2]*ast.Term{keyMaxOrder, num(z.MaxOrder)},
			[2]*ast.Term{keyFreeFrom, ast.ArrayTerm(from...)},
		)
	}
	relevant := make([]*ast.Term, 0, len(d.BootRelevant))
	if boot := fv.Get(keyBoot); boot != nil {
		if pt := boot.Get(keyPersisted); pt != nil {
			if ps, ok := pt.Value.(*ast.Array); ok {
				for _, i := range d.BootRelevant {
					relevant = append(relevant, ps.Elem(i))
				}
			}
		}
	}
	return ast.ObjectTerm(
		[2]*ast.Term{keyKmemCounts, ast.NewTerm(counts)},
		[2]*ast.Term{keyActiveCount, num(d.ActiveCount)},
		[2]*ast.Term{keyInactiveCount, num(d.InactiveCount)},
		[2]*ast.Term{keyRuncActive, num(d.RuncSampleActive)},
		[2]*ast.Term{keyRuncInactive, num(d.RuncSampleInactive)},
		[2]*ast.Term{keyBuddyZones, ast.ArrayTerm(zones...)},
		[2]*ast.Term{keyBootRelevant, ast.ArrayTerm(relevant...)},
	)
}

// withDerived adds input.derived, computed from f, to a host's input
// document (whose facts object is fv); nil facts get none (the rules then
// compute the values from the empty document).
func withDerived(in ast.Object, f *facts.Facts, fv ast.Object) ast.Object {
	if f != nil {
		in.Insert(keyDerived, derivedValue(Derive(f), fv))
	}
	return in
}
