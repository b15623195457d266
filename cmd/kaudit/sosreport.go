package main

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/kaudit/kaudit/internal/pipeline/gate"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/sosreport"
)

// sosInventory is FleetFacts.Inventory (and the report's inventory) of a
// fleet read from sosreports.
const sosInventory = "sosreport"

// adoptInventory gives each sosreport host the groups and labels of the
// inventory host of the same name (its sosreport label stays).
func adoptInventory(ff *facts.FleetFacts, inv *inventory.Inventory) {
	byName := map[string]*inventory.Host{}
	for _, h := range inv.Hosts {
		byName[h.Name] = h
	}
	for i := range ff.Hosts {
		h := &ff.Hosts[i]
		ih := byName[h.Name]
		if ih == nil {
			continue
		}
		h.Groups = slices.Clone(ih.Groups)
		for k, v := range ih.Labels {
			if _, own := h.Labels[k]; !own {
				h.Labels[k] = v
			}
		}
	}
}

// readSosreports builds a fleet from sosreports: one host per report, named
// by the report's host name. A report that cannot be read is an unreachable
// host (reason collector) whose error says why; the others are still judged.
func readSosreports(paths []string) *facts.FleetFacts {
	ff := &facts.FleetFacts{Schema: facts.FleetSchema, Inventory: sosInventory}
	names := map[string]int{}
	for _, p := range paths {
		h := facts.FleetHost{Address: p, Groups: []string{}, Labels: map[string]string{"sosreport": filepath.Base(p)}}
		t, err := sosreport.Open(p, sosreport.DefaultLimits())
		if err != nil {
			h.Name = filepath.Base(p)
			h.Reason = "collector"
			h.Error = fmt.Sprintf("sosreport %s: %v", p, err)
		} else {
			h.Facts = t.Facts()
			h.Name = h.Facts.Host
		}
		if n := names[h.Name]; n > 0 {
			h.Name = fmt.Sprintf("%s#%d", h.Name, n+1)
			if h.Facts != nil {
				h.Facts.Host = h.Name
			}
		}
		names[h.Name]++
		ff.Hosts = append(ff.Hosts, h)
	}
	return ff
}

// limitFleet narrows a facts fleet to the hosts --limit selects, resolved
// against the inventory when one is given, else against the fleet itself.
// Sosreport hosts are their reports' (an inventory given with them usually
// holds only waivers): they take the groups and labels of the inventory host
// of the same name, so group waivers and --limit group=… cover them, and
// --limit is resolved against them.
func (a *app) limitFleet(ff *facts.FleetFacts, inv *inventory.Inventory, what string) error {
	sos := ff.Inventory == sosInventory
	if sos && inv != nil {
		adoptInventory(ff, inv)
	}
	if len(a.limits) == 0 {
		return nil
	}
	sel := inv
	if sel == nil || sos {
		sel = gate.FleetInventory(fleetInvHosts(ff.Hosts))
	}
	hosts, err := sel.Select(a.limits)
	if err != nil {
		return usageErr(fmt.Errorf("--limit: %w", err))
	}
	keep := make([]string, len(hosts))
	for i, h := range hosts {
		keep[i] = h.Name
	}
	ff.Hosts = slices.DeleteFunc(ff.Hosts, func(h facts.FleetHost) bool { return !slices.Contains(keep, h.Name) })
	if len(ff.Hosts) == 0 {
		return usageErr(fmt.Errorf("--limit: no host of %s is selected", what))
	}
	return nil
}
