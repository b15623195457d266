package inventory

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// selector is one parsed --limit term.
type selector struct {
	text  string
	kind  string // "group", "label.KEY" or "name": terms of one kind are ORed
	match func(*Host) bool
}

// Select returns the hosts that match the --limit selectors, in inventory
// order. Each limit may hold several selectors separated by commas:
//
//	group=NAME       the host is a member of group NAME
//	label.KEY=VALUE  the host's label KEY equals VALUE
//	GLOB             path.Match glob on the host name or its address
//
// Selectors of the same kind (all group=, all label.KEY= with the same KEY,
// all globs) are ORed; different kinds are ANDed. So
// "--limit group=db --limit group=web --limit label.env=prod" selects the
// prod hosts of db or web. No limits select every host. A selector that
// matches no host in the inventory, or a combination that leaves no host,
// is an error (a typo must not silently audit nothing).
func (inv *Inventory) Select(limits []string) ([]*Host, error) {
	var sels []selector
	var errs []error
	for _, l := range limits {
		for _, term := range strings.Split(l, ",") {
			s, err := inv.parseSelector(strings.TrimSpace(term))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			sels = append(sels, s)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(sels) == 0 {
		return slices.Clone(inv.Hosts), nil
	}
	for _, s := range sels {
		if !slices.ContainsFunc(inv.Hosts, s.match) {
			errs = append(errs, fmt.Errorf("--limit %q matches no host in the inventory", s.text))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	byKind := map[string][]selector{}
	var kinds []string
	for _, s := range sels {
		if _, ok := byKind[s.kind]; !ok {
			kinds = append(kinds, s.kind)
		}
		byKind[s.kind] = append(byKind[s.kind], s)
	}
	var out []*Host
	for _, h := range inv.Hosts {
		if matchesAll(h, kinds, byKind) {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		texts := make([]string, len(sels))
		for i, s := range sels {
			texts[i] = s.text
		}
		return nil, fmt.Errorf("--limit %s: no host matches all of them (selectors of different kinds must all match)", strings.Join(texts, ","))
	}
	return out, nil
}

// matchesAll reports whether h matches at least one selector of every kind.
func matchesAll(h *Host, kinds []string, byKind map[string][]selector) bool {
	for _, k := range kinds {
		if !slices.ContainsFunc(byKind[k], func(s selector) bool { return s.match(h) }) {
			return false
		}
	}
	return true
}

func (inv *Inventory) parseSelector(term string) (selector, error) {
	if term == "" {
		return selector{}, errors.New("--limit: empty selector")
	}
	key, val, hasEq := strings.Cut(term, "=")
	switch {
	case !hasEq:
		if _, err := path.Match(term, ""); err != nil {
			return selector{}, fmt.Errorf("--limit %q: bad host name glob: %w", term, err)
		}
		return selector{text: term, kind: "name", match: func(h *Host) bool {
			ok1, _ := path.Match(term, h.Name)
			ok2, _ := path.Match(term, h.Address)
			return ok1 || ok2
		}}, nil
	case key == "group":
		if inv.Groups[val] == nil {
			names := make([]string, 0, len(inv.Groups))
			for n := range inv.Groups {
				names = append(names, n)
			}
			sort.Strings(names)
			return selector{}, fmt.Errorf("--limit %q: no group %q in the inventory.%s", term, val, didYouMean(val, names))
		}
		return selector{text: term, kind: "group", match: func(h *Host) bool { return slices.Contains(h.Groups, val) }}, nil
	case strings.HasPrefix(key, "label."):
		k := strings.TrimPrefix(key, "label.")
		if !validLabelKey(k) {
			return selector{}, fmt.Errorf("--limit %q: bad label key %q", term, k)
		}
		return selector{text: term, kind: key, match: func(h *Host) bool {
			v, ok := h.Labels[k]
			return ok && v == val
		}}, nil
	}
	return selector{}, fmt.Errorf("--limit %q: unknown selector; use group=NAME, label.KEY=VALUE or a host name glob", term)
}
