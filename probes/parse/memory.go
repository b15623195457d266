package parse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// ParseMeminfo parses /proc/meminfo: key → value (kB, or a count for
// HugePages_*).
func ParseMeminfo(body []byte) (map[string]int64, error) {
	out := map[string]int64{}
	for _, l := range lines(body) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		out[clean(strings.TrimSpace(k), MaxValue)] = n
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("meminfo: no rows")
	}
	return out, nil
}

// zoneRow splits "Node 0, zone   Normal  1 2 3" into node, zone and the rest.
func zoneRow(l string) (node int, zone string, rest []string, ok bool) {
	f := strings.Fields(l)
	if len(f) < 4 || f[0] != "Node" || f[2] != "zone" {
		return 0, "", nil, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(f[1], ","))
	if err != nil {
		return 0, "", nil, false
	}
	return n, clean(f[3], MaxValue), f[4:], true
}

// ParseBuddyinfo parses /proc/buddyinfo.
func ParseBuddyinfo(body []byte) ([]facts.BuddyZone, error) {
	var out []facts.BuddyZone
	for _, l := range lines(body) {
		node, zone, rest, ok := zoneRow(l)
		if !ok {
			continue
		}
		z := facts.BuddyZone{Node: node, Zone: zone, Free: make([]int64, 0, len(rest))}
		for _, v := range rest {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("buddyinfo: bad count %q", clean(v, MaxValue))
			}
			z.Free = append(z.Free, n)
		}
		out = append(out, z)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("buddyinfo: no zone rows")
	}
	return out, nil
}

// ParseExtfragIndex parses /sys/kernel/debug/extfrag/extfrag_index.
func ParseExtfragIndex(body []byte) ([]facts.ExtfragZone, error) {
	var out []facts.ExtfragZone
	for _, l := range lines(body) {
		node, zone, rest, ok := zoneRow(l)
		if !ok {
			continue
		}
		z := facts.ExtfragZone{Node: node, Zone: zone, Index: make([]float64, 0, len(rest))}
		for _, v := range rest {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x != x || x > 1e9 || x < -1e9 { // NaN/Inf are not JSON
				return nil, fmt.Errorf("extfrag_index: bad value %q", clean(v, MaxValue))
			}
			z.Index = append(z.Index, x)
		}
		out = append(out, z)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("extfrag_index: no zone rows")
	}
	return out, nil
}

// ParseInt parses a one-number file (vm.extfrag_threshold).
func ParseInt(body []byte) (*int, error) {
	n, err := atoi(firstLine(body))
	if err != nil {
		return nil, fmt.Errorf("not a number: %q", clean(firstLine(body), MaxValue))
	}
	return intPtr(n), nil
}
