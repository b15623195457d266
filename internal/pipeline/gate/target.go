package gate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kaudit/kaudit/inventory"
)

// Target is what the plan does to one host: the changes that select it,
// merged in plan order into one.
type Target struct {
	Changes []string // names of the changes, in plan order
	Change  *Change  // the merged change
}

// FleetInventory is an inventory of these hosts alone (their groups
// declared), for resolving a plan's selectors against a facts file read
// without its inventory.
func FleetInventory(hosts []*inventory.Host) *inventory.Inventory {
	inv := &inventory.Inventory{Hosts: hosts, Groups: map[string]*inventory.Group{}, Params: map[string]any{}}
	for _, h := range hosts {
		for _, g := range h.Groups {
			if inv.Groups[g] == nil {
				inv.Groups[g] = &inventory.Group{Name: g}
			}
		}
	}
	return inv
}

// Resolve selects the hosts of every change in inv with the inventory's
// --limit semantics (inventory.Select) and keeps those named in hosts (the
// hosts of this run). A host selected by several changes gets them merged:
// setting one thing to two values is an error. A selector that matches no
// host of the inventory, and a group block naming a group the inventory does
// not declare, are errors; a change that selects no host of this run is a
// warning.
func (p *Plan) Resolve(inv *inventory.Inventory, hosts []string) (map[string]*Target, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	inRun := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		inRun[h] = true
	}
	for _, g := range p.Groups {
		if inv.Groups[g.Name] == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown group",
				Detail: fmt.Sprintf("group %q is not declared in the inventory, so its max_no_go limits nothing.", g.Name), Subject: g.DeclRange.Ptr()})
		}
	}
	targets := map[string]*Target{}
	reported := map[string]bool{}
	for _, c := range p.Changes {
		selected, err := inv.Select(c.Select)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid select",
				Detail: fmt.Sprintf("change %q: %s", c.Name, strings.ReplaceAll(err.Error(), "--limit ", "")), Subject: c.Range("select").Ptr()})
			continue
		}
		n := 0
		for _, h := range selected {
			if !inRun[h.Name] {
				continue
			}
			n++
			t := targets[h.Name]
			if t == nil {
				targets[h.Name] = &Target{Changes: []string{c.Name}, Change: copyChange(c)}
				continue
			}
			for _, cf := range mergeInto(t.Change, c) {
				key := strings.Join(t.Changes, "+") + "|" + c.Name + "|" + cf.attr
				if reported[key] {
					continue
				}
				reported[key] = true
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting changes",
					Detail:  fmt.Sprintf("host %s is selected by change %s and change %q, which %s; a host takes one target state.", h.Name, quoteNames(t.Changes), c.Name, cf.what),
					Subject: c.Range(cf.attr).Ptr()})
			}
			t.Changes = append(t.Changes, c.Name)
		}
		if n == 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Change selects no host of this run",
				Detail:  fmt.Sprintf("change %q selects %d inventory host(s), none of them in this run (--limit or the facts file leaves them out).", c.Name, len(selected)),
				Subject: c.Range("select").Ptr()})
		}
	}
	return targets, diags
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func copyChange(c *Change) *Change {
	cp := *c
	cp.Select = slices.Clone(c.Select)
	cp.BootArgsAdd = slices.Clone(c.BootArgsAdd)
	cp.BootArgsRemove = slices.Clone(c.BootArgsRemove)
	cp.attrs = maps.Clone(c.attrs)
	return &cp
}

// conflict is one argument two changes disagree on.
type conflict struct{ attr, what string }

// mergeInto adds change c to the merged change m.
func mergeInto(m, c *Change) []conflict {
	var out []conflict
	str := func(attr string, dst *string, v string) {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
		case *dst != v:
			out = append(out, conflict{attr, fmt.Sprintf("set %s to %q and %q", attr, *dst, v)})
		}
	}
	flag := func(attr string, dst **bool, v *bool) {
		switch {
		case v == nil:
		case *dst == nil:
			b := *v
			*dst = &b
		case **dst != *v:
			out = append(out, conflict{attr, fmt.Sprintf("set %s to %v and %v", attr, **dst, *v)})
		}
	}
	str("kernel", &m.Kernel, c.Kernel)
	str("kernel_signature", &m.KernelSignature, c.KernelSignature)
	str("runc", &m.Runc, c.Runc)
	str("docker", &m.Docker, c.Docker)
	str("containerd", &m.Containerd, c.Containerd)
	str("kubelet", &m.Kubelet, c.Kubelet)
	flag("runc_nokmem", &m.RuncNokmem, c.RuncNokmem)
	flag("kubelet_nokmem", &m.KubeletNokmem, c.KubeletNokmem)
	flag("reboot", &m.Reboot, c.Reboot)
	for _, a := range c.BootArgsAdd {
		k, _, _ := strings.Cut(a, "=")
		for _, x := range m.BootArgsAdd {
			if xk, _, _ := strings.Cut(x, "="); xk == k && x != a {
				out = append(out, conflict{"boot_args_add", fmt.Sprintf("add %q and %q", x, a)})
			}
		}
		for _, x := range m.BootArgsRemove {
			if xk, _, _ := strings.Cut(x, "="); xk == k {
				out = append(out, conflict{"boot_args_add", fmt.Sprintf("remove %q and add %q", x, a)})
			}
		}
		if !slices.Contains(m.BootArgsAdd, a) {
			m.BootArgsAdd = append(m.BootArgsAdd, a)
		}
	}
	for _, r := range c.BootArgsRemove {
		k, _, _ := strings.Cut(r, "=")
		for _, x := range m.BootArgsAdd {
			if xk, _, _ := strings.Cut(x, "="); xk == k {
				out = append(out, conflict{"boot_args_remove", fmt.Sprintf("add %q and remove %q", x, r)})
			}
		}
		if !slices.Contains(m.BootArgsRemove, r) {
			m.BootArgsRemove = append(m.BootArgsRemove, r)
		}
	}
	if m.Reboot != nil && !*m.Reboot && (m.Kernel != "" || len(m.BootArgsAdd)+len(m.BootArgsRemove) > 0) {
		out = append(out, conflict{"reboot", "set reboot = false together with a kernel or boot arguments, which need a reboot"})
	}
	for name, r := range c.attrs {
		if _, ok := m.attrs[name]; !ok {
			if m.attrs == nil {
				m.attrs = map[string]hcl.Range{}
			}
			m.attrs[name] = r
		}
	}
	m.Name += "+" + c.Name
	return out
}
