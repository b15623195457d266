package parse

import (
	"fmt"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// Mounts is what the cgroup lines of /proc/self/mounts say.
type Mounts struct {
	MemoryV1    bool
	MemoryMount string
	Unified     bool // a cgroup2 mount exists
	V1          bool // a cgroup v1 hierarchy is mounted
}

// ParseMounts parses cgroup / cgroup2 lines of /proc/self/mounts.
func ParseMounts(body []byte) (Mounts, error) {
	var m Mounts
	for _, l := range lines(body) {
		f := strings.Fields(l)
		if len(f) < 4 {
			continue
		}
		switch f[2] {
		case "cgroup":
			m.V1 = true
			for _, o := range strings.Split(f[3], ",") {
				if o == "memory" && !m.MemoryV1 {
					m.MemoryV1 = true
					m.MemoryMount = clean(unescapeMount(f[1]), MaxValue)
				}
			}
		case "cgroup2":
			m.Unified = true
		}
	}
	return m, nil
}

// unescapeMount undoes the octal escapes of /proc/self/mounts (\040 = space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 || s[0] > '3' {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// CgroupMode derives facts.Cgroup.Mode: "v1" (v1 hierarchies only), "hybrid"
// (v1 hierarchies plus a cgroup2 mount), "v2" (cgroup2 only), "" when no
// cgroup is mounted. Whether memory itself is a v1 hierarchy is MemoryV1 (false
// with cgroup_disable=memory).
func CgroupMode(m Mounts) string {
	switch {
	case m.V1 && m.Unified:
		return "hybrid"
	case m.V1:
		return "v1"
	case m.Unified:
		return "v2"
	}
	return ""
}

// ParseProcCgroups parses /proc/cgroups rows (any whitespace; the header and
// comments skipped).
func ParseProcCgroups(body []byte) ([]facts.CgroupController, error) {
	var out []facts.CgroupController
	for _, l := range lines(body) {
		f := strings.Fields(l)
		if len(f) < 4 || strings.HasPrefix(f[0], "#") {
			continue
		}
		h, err1 := atoi(f[1])
		n, err2 := atoi(f[2])
		e, err3 := atoi(f[3])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("/proc/cgroups: bad row %q", clean(l, MaxRaw))
		}
		out = append(out, facts.CgroupController{Name: clean(f[0], MaxValue), Hierarchy: h, NumCgroups: n, Enabled: e != 0})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("/proc/cgroups: no rows")
	}
	return out, nil
}

// ParseControllers parses cgroup.controllers (space-separated names).
func ParseControllers(body []byte) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(string(body)) {
		out = append(out, clean(f, MaxValue))
	}
	return out, nil
}

// ParseMemcgDirs parses the memcg_dirs section: find's errors, "rc N", and the
// directory count last. A non-zero find status means the count is partial and
// is not returned (status and messages are).
func ParseMemcgDirs(body []byte) (count *int, findRC int, msg string, err error) {
	ls := lines(body)
	var errs []string
	last := ""
	findRC = -1
	for _, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if v, ok := strings.CutPrefix(t, "rc "); ok {
			if n, e := atoi(v); e == nil {
				findRC = n
				continue
			}
		}
		if last != "" {
			errs = append(errs, last)
		}
		last = t
	}
	n, e := atoi(last)
	if e != nil || n < 0 || findRC < 0 {
		return nil, findRC, clean(strings.Join(append(errs, last), "\n"), MaxRaw), fmt.Errorf("memcg_dirs: no count")
	}
	msg = clean(strings.Join(errs, "\n"), MaxRaw)
	if findRC != 0 {
		return nil, findRC, msg, nil
	}
	return intPtr(n), 0, msg, nil
}

// ParseSlabEntries parses the sys_kernel_slab section: a count.
func ParseSlabEntries(body []byte) (*int, error) {
	n, err := atoi(firstLine(body))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("sys_kernel_slab: not a count: %q", clean(firstLine(body), MaxRaw))
	}
	return intPtr(n), nil
}

// kmem states.
const (
	KmemActive   = "active"
	KmemInactive = "inactive"
	KmemAbsent   = "absent"
	KmemError    = "error"
)

// ParseKmem parses the kmem section (see collect.sh sec_kmem for its lines).
func ParseKmem(body []byte) (facts.Kmem, error) {
	var (
		k     facts.Kmem
		errs  []string
		cgs   [][4]string // kind, path, how, first
		found = map[string]int{}
		root  bool
	)
	for _, l := range lines(body) {
		f := strings.Split(l, "\t")
		switch f[0] {
		case "root":
			root = true
		case "found":
			if len(f) == 3 {
				if n, err := atoi(f[2]); err == nil && n >= 0 {
					found[f[1]] = n
				}
			}
		case "cg":
			if len(f) >= 4 {
				first := ""
				if len(f) >= 5 {
					first = strings.Join(f[4:], "\t")
				}
				cgs = append(cgs, [4]string{f[1], f[2], f[3], first})
			}
		case "err":
			if len(f) >= 2 {
				errs = append(errs, strings.Join(f[1:], "\t"))
			}
		}
	}
	if !root {
		return k, fmt.Errorf("kmem: no root line")
	}
	for _, c := range cgs {
		cg := facts.KmemCgroup{Kind: clean(c[0], MaxValue), Path: clean(c[1], MaxValue)}
		switch c[2] {
		case "absent":
			cg.State = KmemAbsent
		case "read":
			if strings.HasPrefix(c[3], "slabinfo - version") {
				cg.State = KmemActive
			} else {
				cg.State, cg.Error = KmemError, clean("unexpected content: "+c[3], MaxRaw)
			}
		case "unread":
			cg.State, cg.Error = kmemReadError(c[1]+"/memory.kmem.slabinfo", errs)
		default:
			cg.State, cg.Error = KmemError, clean("unknown state "+c[2], MaxRaw)
		}
		if cg.Kind == "kubepods" {
			if k.Kubepods == nil {
				k.Kubepods = &cg
			}
			continue
		}
		k.Containers = append(k.Containers, cg)
		switch cg.State {
		case KmemActive:
			k.ContainersActive++
		case KmemInactive:
			k.ContainersInactive++
		case KmemError:
			k.ContainersError++
		}
	}
	k.ContainersSampled = len(k.Containers)
	for kind, n := range found {
		if kind != "kubepods" {
			k.ContainersFound += n
		}
	}
	return k, nil
}

// kmemReadError classifies the head error that names file.
func kmemReadError(file string, errs []string) (state, msg string) {
	for _, e := range errs {
		if !strings.Contains(e, file+"'") && !strings.Contains(e, file+":") && !strings.HasSuffix(e, file) {
			continue
		}
		switch ErrorClass(e) {
		case facts.ErrEIO:
			return KmemInactive, ""
		case facts.ErrAbsent:
			return KmemAbsent, ""
		default:
			return KmemError, clean(e, MaxRaw)
		}
	}
	return KmemError, "nothing read (empty file)"
}
