package history

import (
	"fmt"
	"slices"
)

// HostCheck is one check of one host.
type HostCheck struct {
	Host  string `json:"host"`
	Check string `json:"check"`
	Was   string `json:"was,omitempty"` // status in the older run
	Now   string `json:"now,omitempty"` // status in the newer run
}

// Change is a value of a host that differs between two points.
type Change struct {
	Host  string `json:"host"`
	Field string `json:"field"` // "kernel", "runc", "kubelet", "docker", "status"
	Was   string `json:"was"`
	Now   string `json:"now"`
}

// Diff compares two runs.
type Diff struct {
	A           Run         `json:"a"` // the older run
	B           Run         `json:"b"` // the newer run
	NewFailures []HostCheck `json:"new_failures"`
	Fixed       []HostCheck `json:"fixed"`
	HostsAdded  []string    `json:"hosts_added"`
	HostsGone   []string    `json:"hosts_gone"`
	Changes     []Change    `json:"changes"` // status and version changes
}

// Compare diffs the points of run a (older) and run b (newer).
func Compare(a, b Run, pa, pb []Point) Diff {
	d := Diff{A: a, B: b, NewFailures: []HostCheck{}, Fixed: []HostCheck{}, HostsAdded: []string{}, HostsGone: []string{}, Changes: []Change{}}
	old := make(map[string]*Point, len(pa))
	for i := range pa {
		old[pa[i].Host] = &pa[i]
	}
	seen := map[string]bool{}
	for i := range pb {
		n := &pb[i]
		seen[n.Host] = true
		o := old[n.Host]
		if o == nil {
			d.HostsAdded = append(d.HostsAdded, n.Host)
			continue
		}
		if o.Status != n.Status {
			d.Changes = append(d.Changes, Change{Host: n.Host, Field: "status", Was: o.Status, Now: n.Status})
		}
		for _, c := range versionChanges(o, n) {
			d.Changes = append(d.Changes, c)
		}
		ids := make([]string, 0, len(n.Checks))
		for id := range n.Checks {
			ids = append(ids, id)
		}
		for id := range o.Checks {
			if _, ok := n.Checks[id]; !ok {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			was, now := o.Checks[id], n.Checks[id]
			switch {
			case now == "fail" && was != "fail":
				d.NewFailures = append(d.NewFailures, HostCheck{Host: n.Host, Check: id, Was: was, Now: now})
			case was == "fail" && now != "fail" && now != "":
				d.Fixed = append(d.Fixed, HostCheck{Host: n.Host, Check: id, Was: was, Now: now})
			}
		}
	}
	for _, p := range pa {
		if !seen[p.Host] {
			d.HostsGone = append(d.HostsGone, p.Host)
		}
	}
	slices.Sort(d.HostsAdded)
	slices.Sort(d.HostsGone)
	return d
}

// versionChanges lists the kernel and runtime versions that differ between
// two points of a host (values not collected in either are not compared).
func versionChanges(o, n *Point) []Change {
	var out []Change
	for _, f := range []struct{ name, was, now string }{
		{"kernel", o.KernelRelease, n.KernelRelease},
		{"runc", o.Runc, n.Runc},
		{"kubelet", o.Kubelet, n.Kubelet},
		{"docker", o.Docker, n.Docker},
	} {
		if f.was != "" && f.now != "" && f.was != f.now {
			out = append(out, Change{Host: n.Host, Field: f.name, Was: f.was, Now: f.now})
		}
	}
	return out
}

// Entry is one point of a host's timeline with what changed since the
// point before.
type Entry struct {
	Point
	// Reboot: the kernel release or boot id changed, or num_cgroups fell
	// (a reboot is what resets it).
	Reboot bool     `json:"reboot"`
	Events []string `json:"events"` // "kernel 3.10.0-862 → 3.10.0-1160", "status compliant → noncompliant"
}

// Timeline annotates a host's points (oldest first).
func Timeline(points []Point) []Entry {
	out := make([]Entry, len(points))
	var prev *Point
	for i := range points {
		p := &points[i]
		e := Entry{Point: *p, Events: []string{}}
		if prev != nil {
			for _, c := range versionChanges(prev, p) {
				e.Events = append(e.Events, fmt.Sprintf("%s %s → %s", c.Field, c.Was, c.Now))
				if c.Field == "kernel" {
					e.Reboot = true
				}
			}
			if prev.BootID != "" && p.BootID != "" && prev.BootID != p.BootID {
				e.Reboot = true
			}
			if prev.NumCgroups != nil && p.NumCgroups != nil && *p.NumCgroups < *prev.NumCgroups {
				e.Reboot = true
				e.Events = append(e.Events, fmt.Sprintf("num_cgroups fell %d → %d", *prev.NumCgroups, *p.NumCgroups))
			}
			if prev.Status != p.Status {
				e.Events = append(e.Events, fmt.Sprintf("status %s → %s", prev.Status, p.Status))
			}
		}
		out[i] = e
		if p.Status != "unreachable" {
			prev = p
		}
	}
	return out
}
