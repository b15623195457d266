package gate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// Note kinds.
const (
	NotePlanned   = "planned"   // the plan sets this fact
	NotePredicted = "predicted" // derived from the plan with the version tables
)

// Note explains one fact of a projection.
type Note struct {
	Path   string // fact path as in the JSON document: "runtimes.kubelet.version"
	Kind   string // NotePlanned or NotePredicted
	Detail string // "v1.12.3 → v1.15.5", "active: kubelet v1.15.5 (1.8 <= v < 1.22) enables ..."
}

// Projection is one host's projected facts and how they were derived.
type Projection struct {
	// Facts is a copy of the current facts with the plan applied. Its
	// Predicted field lists every path a Note names (and the counts derived
	// with them).
	Facts  *facts.Facts
	Reboot bool
	Notes  []Note
}

// sourceReset is the Source message of sections a reboot makes stale.
const sourceReset = "reset by the reboot the plan implies: not predictable, audit again after the rollout"

// Project derives the facts a host will have after change c. cur is not
// modified. What the plan sets is applied as stated; what it implies for the
// cgroup tree, the memcg counts, the kernel log and memory is predicted (see
// docs/gate.md, "Projection") with the version facts v.
func Project(cur *facts.Facts, c *Change, v Versions) (Projection, error) {
	f, err := clone(cur)
	if err != nil {
		return Projection{}, fmt.Errorf("project %s: %w", cur.Host, err)
	}
	p := &projector{cur: cur, f: f, c: c, v: v, reboot: c.Reboots()}
	p.kernel()
	p.runtimes()
	p.boot()
	p.cgroups()
	if p.reboot {
		p.afterReboot()
	}
	f.Predicted = p.paths()
	return Projection{Facts: f, Reboot: p.reboot, Notes: p.notes}, nil
}

func clone(f *facts.Facts) (*facts.Facts, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("copy facts: %w", err)
	}
	var out facts.Facts
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("copy facts: %w", err)
	}
	return &out, nil
}

type projector struct {
	cur, f       *facts.Facts
	c            *Change
	v            Versions
	reboot       bool
	kernelChange bool
	notes        []Note
	extra        []string // derived paths without a note of their own
}

func (p *projector) note(path, kind, format string, args ...any) {
	p.notes = append(p.notes, Note{Path: path, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// paths is the sorted set of projected fact paths.
func (p *projector) paths() []string {
	out := slices.Clone(p.extra)
	for _, n := range p.notes {
		out = append(out, n.Path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *projector) source(section, message string) {
	if p.f.Sources == nil {
		p.f.Sources = map[string]*facts.Source{}
	}
	src := ""
	if s := p.f.Sources[section]; s != nil {
		src = s.Source
	}
	p.f.Sources[section] = &facts.Source{Source: src, Error: facts.ErrNotRun, Message: message}
}

func (p *projector) kernel() {
	k, c := &p.f.Kernel, p.c
	if c.Kernel == "" || c.Kernel == k.Release {
		return
	}
	p.kernelChange = true
	old := k.Release
	k.Release, k.Version, k.VersionSignature, k.Config = c.Kernel, "", c.KernelSignature, nil
	k.Family, k.Upstream = facts.KernelFamily(c.Kernel, c.KernelSignature)
	p.note("kernel.release", NotePlanned, "%s → %s", orUnknown(old), c.Kernel)
	if p.cur.Kernel.Family == "ubuntu" && c.KernelSignature == "" {
		k.Family, k.Upstream = "ubuntu", ""
		p.note("kernel.upstream", NotePredicted, "unknown: an Ubuntu release does not carry the upstream version; give kernel_signature in the plan")
	} else {
		p.note("kernel.upstream", NotePredicted, "%s (family %s)", k.Upstream, k.Family)
	}
	p.extra = append(p.extra, "kernel.family", "kernel.version", "kernel.version_signature", "kernel.config")
	p.source(facts.SectionProcVersion, "kernel "+c.Kernel+" is not running yet")
	p.source(facts.SectionKernelConfig, "the config of kernel "+c.Kernel+" is not read before it is installed")
}

func (p *projector) runtimes() {
	r, c := &p.f.Runtimes, p.c
	if c.Runc != "" {
		flavor := facts.FlavorUpstream
		if strings.Contains(c.Runc, "+ds") {
			flavor = facts.FlavorDebian
		}
		if len(r.Runc) == 0 {
			r.Runc = []facts.Binary{{Name: "runc", Path: "/usr/bin/runc"}}
		}
		var was []string
		for i := range r.Runc {
			b := &r.Runc[i]
			was = append(was, fmt.Sprintf("%s %s", b.Name, orUnknown(b.Version)))
			*b = facts.Binary{Name: b.Name, Path: b.Path, Version: c.Runc, Flavor: flavor}
		}
		p.note("runtimes.runc", NotePlanned, "%s → %s%s", strings.Join(was, ", "), c.Runc, buildNote(c.RuncNokmem, "the nokmem tag"))
	} else if c.RuncNokmem != nil {
		p.note("runtimes.runc", NotePlanned, "rebuilt%s", buildNote(c.RuncNokmem, "the nokmem tag"))
	}
	setBinary(p, &r.Docker, "docker", "/usr/bin/docker", c.Docker, "runtimes.docker.version", nil)
	setBinary(p, &r.Containerd, "containerd", "/usr/bin/containerd", c.Containerd, "runtimes.containerd.version", nil)
	setBinary(p, &r.Kubelet, "kubelet", "/usr/bin/kubelet", c.Kubelet, "runtimes.kubelet.version", c.KubeletNokmem)
	if c.Kubelet == "" && c.KubeletNokmem != nil && r.Kubelet != nil {
		p.note("runtimes.kubelet.version", NotePlanned, "%s rebuilt%s", r.Kubelet.Version, buildNote(c.KubeletNokmem, "-tags=nokmem"))
	}
}

// setBinary installs version v of a binary (adding it when the host has
// none) and notes it.
func setBinary(p *projector, slot **facts.Binary, name, path, v, notePath string, nokmem *bool) {
	if v == "" {
		return
	}
	old := ""
	if *slot != nil {
		old = (*slot).Version
		name, path = (*slot).Name, (*slot).Path
	}
	*slot = &facts.Binary{Name: name, Path: path, Version: v}
	p.note(notePath, NotePlanned, "%s → %s%s", orUnknown(old), v, buildNote(nokmem, "-tags=nokmem"))
}

func buildNote(flag *bool, tag string) string {
	switch {
	case flag == nil:
		return ""
	case *flag:
		return ", built with " + tag
	}
	return ", a build without " + tag
}

func orUnknown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Boot-argument flags the kmem pack judges.
const (
	argNokmem        = "cgroup.memory=nokmem"
	argMemcgDisabled = "cgroup_disable=memory"
)

func (p *projector) boot() {
	b, c := &p.f.Boot, p.c
	oldRelease, newRelease := p.cur.Kernel.Release, p.f.Kernel.Release
	if len(c.BootArgsAdd)+len(c.BootArgsRemove) > 0 || p.kernelChange {
		for i := range b.Persisted {
			e := &b.Persisted[i]
			e.Args = editArgs(e.Args, c.BootArgsAdd, c.BootArgsRemove)
			if p.kernelChange && e.Default && e.Kind != facts.KindDefaultGrub {
				e.Entry = replaceRelease(e.Entry, oldRelease, newRelease)
				e.Source = replaceRelease(e.Source, oldRelease, newRelease)
			}
			e.Nokmem, e.MemcgDisabled = facts.ArgsFlags(e.Args)
		}
		if len(b.Persisted) > 0 {
			p.note("boot.persisted", NotePlanned, "%s in all %d persisted boot entries (grubby --update-kernel=ALL, GRUB_CMDLINE_LINUX)%s",
				argsDesc(c.BootArgsAdd, c.BootArgsRemove), len(b.Persisted), kernelEntryNote(p.kernelChange, newRelease))
		}
	}
	if !p.reboot {
		return
	}
	next := defaultEntry(b.Persisted)
	if b.Cmdline == "" {
		p.bootUnread(next)
		return
	}
	cmd := editArgs(b.Cmdline, c.BootArgsAdd, c.BootArgsRemove)
	cmd = replaceRelease(cmd, oldRelease, newRelease)
	if next != nil {
		nk, md := facts.ArgsFlags(cmd)
		if nk != next.Nokmem {
			cmd = setFlag(cmd, argNokmem, next.Nokmem)
		}
		if md != next.MemcgDisabled {
			cmd = setFlag(cmd, argMemcgDisabled, next.MemcgDisabled)
		}
	}
	// the facts' own derivations (what probes/parse fills Boot with)
	line := strings.TrimSpace(cmd) // every word removed: an empty command line
	params := facts.KernelParams(line)
	nk, md := facts.ArgsFlags(line)
	if line == p.cur.Boot.Cmdline {
		return
	}
	b.Cmdline, b.Params, b.Nokmem, b.MemcgDisabled = line, params, &nk, &md
	from := argsDesc(c.BootArgsAdd, c.BootArgsRemove)
	if next != nil {
		from += fmt.Sprintf("; the next boot takes cgroup.memory=nokmem: %v, cgroup_disable=memory: %v from %s", next.Nokmem, next.MemcgDisabled, entryDesc(next))
	}
	p.note("boot.cmdline", NotePlanned, "%s after the reboot (%s)", line, from)
	p.extra = append(p.extra, "boot.params", "boot.nokmem", "boot.memcg_disabled")
}

// bootUnread sets the flags when the running cmdline was not read: from the
// next boot entry when known, else from what the plan adds or removes.
func (p *projector) bootUnread(next *facts.BootConfig) {
	b, c := &p.f.Boot, p.c
	flag := func(arg string, fromEntry bool) *bool {
		switch {
		case next != nil:
			return &fromEntry
		case slices.Contains(c.BootArgsAdd, arg):
			t := true
			return &t
		case slices.Contains(c.BootArgsRemove, arg) || slices.Contains(c.BootArgsRemove, strings.SplitN(arg, "=", 2)[0]):
			f := false
			return &f
		}
		return nil
	}
	var nk, md bool
	if next != nil {
		nk, md = next.Nokmem, next.MemcgDisabled
	}
	b.Nokmem, b.MemcgDisabled = flag(argNokmem, nk), flag(argMemcgDisabled, md)
	if b.Nokmem != nil || b.MemcgDisabled != nil {
		p.note("boot.nokmem", NotePlanned, "running cmdline not read; after the reboot cgroup.memory=nokmem: %s, cgroup_disable=memory: %s", triDesc(b.Nokmem), triDesc(b.MemcgDisabled))
		p.extra = append(p.extra, "boot.memcg_disabled")
	}
}

func triDesc(b *bool) string {
	if b == nil {
		return "unknown"
	}
	return fmt.Sprint(*b)
}

// defaultEntry is the persisted entry the next boot uses: grubby's default,
// else the default BLS entry, else the default grub.cfg entry.
func defaultEntry(ps []facts.BootConfig) *facts.BootConfig {
	for _, kind := range []string{facts.KindGrubby, facts.KindBLS, facts.KindGrubCfg} {
		for i := range ps {
			if ps[i].Kind == kind && ps[i].Default {
				return &ps[i]
			}
		}
	}
	return nil
}

// entryDesc names a boot entry: its source ("/boot/grub2/grub.cfg",
// "grubby --info=DEFAULT") and title.
func entryDesc(e *facts.BootConfig) string {
	if e.Entry != "" {
		return fmt.Sprintf("%s (%s)", e.Source, e.Entry)
	}
	return e.Source
}

func argsDesc(add, remove []string) string {
	var parts []string
	for _, a := range add {
		parts = append(parts, "+"+a)
	}
	for _, r := range remove {
		parts = append(parts, "-"+r)
	}
	if len(parts) == 0 {
		return "boot arguments unchanged"
	}
	return strings.Join(parts, " ")
}

func kernelEntryNote(changed bool, release string) string {
	if !changed {
		return ""
	}
	return "; the default entry boots " + release
}
