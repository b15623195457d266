package gate

import (
	"fmt"

	"github.com/kaudit/kaudit/probes/facts"
)

// cgroups predicts the memory controller, the kmem state of the sampled
// cgroups and the memcg counts after the change.
//
//   - Without a reboot, existing cgroups keep their kmem state: the kubelet
//     never recreates kubepods, and containers keep theirs until recreated.
//     Only a kubepods the host did not have (a kubelet the plan installs) is
//     predicted.
//   - With a reboot, every cgroup is recreated: kubepods and pod cgroups as
//     the kubelet will make them, containers below an accounted kubepods
//     accounted (children inherit), other containers as runc will make them;
//     cgroup.memory=nokmem in effect keeps them all off.
//
// A state that cannot be predicted is left out of the sample (unknown), never
// guessed.
func (p *projector) cgroups() {
	cur, f, c := p.cur, p.f, p.c
	if p.reboot && p.memoryToggled() {
		return
	}
	if f.Cgroup.MemoryV1 != nil && !*f.Cgroup.MemoryV1 || f.Cgroup.Mode == "v2" {
		return // no v1 memory hierarchy: nothing to account
	}
	kernelSame := !p.kernelChange
	nk := nokmemEffect(p.v, cur, f, kernelSame)
	kube := kubeletEffect(p.v, cur, f, c, c.Kubelet != "" || c.KubeletNokmem != nil)
	runc := runcEffect(p.v, cur, f, c, c.Runc != "" || c.RuncNokmem != nil)

	kp := f.Kmem.Kubepods
	exists := kp != nil && (kp.State == "active" || kp.State == "inactive")
	newKubelet := cur.Runtimes.Kubelet == nil && f.Runtimes.Kubelet != nil
	switch {
	case f.Runtimes.Kubelet == nil:
	case p.reboot || newKubelet && !exists:
		p.predictKubepods(nk, kube)
	case exists && (c.Kubelet != "" || c.KubeletNokmem != nil):
		p.note("kmem.kubepods.state", NotePredicted, "%s, kept: the kubelet does not recreate %s; only a reboot does", kp.State, kp.Path)
	}
	if !p.reboot {
		if f.Kmem.ContainersActive+f.Kmem.ContainersInactive > 0 && (c.Runc != "" || c.RuncNokmem != nil || c.Kubelet != "" || c.KubeletNokmem != nil) {
			p.note("kmem.containers", NotePredicted, "kept: existing pod and container cgroups keep their kmem state until they are recreated; a reboot recreates them")
		}
		return
	}
	p.predictContainers(nk, kube, runc)
	p.memcgCounts()
}

// memoryToggled handles a reboot that adds or removes cgroup_disable=memory.
// It returns true when the memory controller goes away (nothing else to
// predict).
func (p *projector) memoryToggled() bool {
	was, now := p.cur.Boot.MemcgDisabled, p.f.Boot.MemcgDisabled
	if was == nil || now == nil || *was == *now {
		return false
	}
	f := &p.f.Cgroup
	for i := range f.Controllers {
		if f.Controllers[i].Name == "memory" {
			f.Controllers[i].Enabled = !*now
		}
	}
	f.MemoryNumCgroups, f.MemoryLiveDirs = nil, nil
	p.extra = append(p.extra, "cgroup.controllers", "cgroup.memory_num_cgroups", "cgroup.memory_live_dirs")
	if *now {
		off := false
		f.MemoryV1, f.MemoryMount = &off, ""
		p.f.Kmem = facts.Kmem{}
		p.note("cgroup.memory_v1", NotePredicted, "false: cgroup_disable=memory removes the memory controller at the reboot")
		p.extra = append(p.extra, "cgroup.memory_mount", "kmem")
		return true
	}
	on := true
	f.MemoryV1 = &on
	if f.MemoryMount == "" {
		f.MemoryMount = "/sys/fs/cgroup/memory"
	}
	p.note("cgroup.memory_v1", NotePredicted, "true: without cgroup_disable=memory the memory controller comes back at the reboot")
	p.source(facts.SectionProcCgroups, "memory cgroup counts after the memory controller comes back are not predictable")
	p.source(facts.SectionMemcgDirs, "memory cgroup counts after the memory controller comes back are not predictable")
	return false
}

// kubepodsPath is the kubelet's root memory cgroup for its cgroup driver.
func kubepodsPath(f *facts.Facts) string {
	mount := f.Cgroup.MemoryMount
	if mount == "" {
		mount = "/sys/fs/cgroup/memory"
	}
	if f.Runtimes.KubeletCgroupDriver == "systemd" {
		return mount + "/kubepods.slice"
	}
	return mount + "/kubepods"
}

func (p *projector) predictKubepods(nk, kube effect) {
	k := &p.f.Kmem
	state, why := predictState(nk, kube)
	was := "not sampled"
	path := kubepodsPath(p.f)
	if k.Kubepods != nil {
		was, path = k.Kubepods.State, k.Kubepods.Path
	}
	if state == "" {
		k.Kubepods = nil
		p.note("kmem.kubepods.state", NotePredicted, "not predictable (was %s): %s", was, why)
		return
	}
	k.Kubepods = &facts.KmemCgroup{Path: path, State: state, Kind: "kubepods"}
	p.note("kmem.kubepods.state", NotePredicted, "%s (was %s): %s", state, was, why)
}

// predictContainers recreates the sampled pod and container cgroups after a
// reboot. Absent and unreadable entries stay as they are: they are not
// evidence either way.
func (p *projector) predictContainers(nk, kube, runc effect) {
	k := &p.f.Kmem
	if len(k.Containers) == 0 {
		return
	}
	kubepods := ""
	if k.Kubepods != nil {
		kubepods = k.Kubepods.State
	}
	beforeA, beforeI := k.ContainersActive, k.ContainersInactive
	out := k.Containers[:0:0]
	var whys []string
	seen := map[string]bool{}
	dropped := 0
	for _, cg := range k.Containers {
		if cg.State != "active" && cg.State != "inactive" {
			out = append(out, cg)
			continue
		}
		var state, why string
		switch cg.Kind {
		case "pod", "kubepods":
			state, why = predictState(nk, kube)
		case "container":
			switch {
			case kubepods == "active":
				state, why = "active", "containers below an accounted kubepods inherit kmem accounting"
			case kubepods == "" && p.f.Runtimes.Kubelet != nil:
				state, why = "", "containers below kubepods inherit its kmem state, which is not predictable"
			default:
				state, why = predictState(nk, runc)
			}
		default: // docker, system_slice: made by runc outside kubepods
			state, why = predictState(nk, runc)
		}
		if !seen[why] {
			seen[why] = true
			whys = append(whys, why)
		}
		if state == "" {
			dropped++
			continue
		}
		cg.State, cg.Error = state, ""
		out = append(out, cg)
	}
	k.Containers = out
	k.ContainersActive, k.ContainersInactive, k.ContainersError = 0, 0, 0
	for _, cg := range out {
		switch cg.State {
		case "active":
			k.ContainersActive++
		case "inactive":
			k.ContainersInactive++
		case "error":
			k.ContainersError++
		}
	}
	k.ContainersSampled = len(out)
	detail := fmt.Sprintf("after the reboot %d active, %d inactive (now %d active, %d inactive)", k.ContainersActive, k.ContainersInactive, beforeA, beforeI)
	if dropped > 0 {
		detail += fmt.Sprintf("; %d not predictable, left out", dropped)
	}
	for _, w := range whys {
		detail += "; " + w
	}
	p.note("kmem.containers", NotePredicted, "%s", detail)
	if len(out) == 0 && k.Kubepods == nil {
		p.source(facts.SectionKmem, "kmem state after the plan not predictable: "+detail)
	}
}

// memcgCounts predicts /proc/cgroups after a reboot: every dead memcg ID is
// freed and the live cgroups come back, so num_cgroups is the live count.
func (p *projector) memcgCounts() {
	cg := &p.f.Cgroup
	if cg.MemoryNumCgroups == nil {
		return
	}
	was := *cg.MemoryNumCgroups
	if cg.MemoryLiveDirs == nil {
		p.note("cgroup.memory_num_cgroups", NotePredicted, "%d kept as an upper bound: the live memory cgroups were not counted, and a reboot frees every dead memcg ID", was)
		return
	}
	n := *cg.MemoryLiveDirs
	cg.MemoryNumCgroups = &n
	for i := range cg.Controllers {
		if cg.Controllers[i].Name == "memory" {
			cg.Controllers[i].NumCgroups = n
		}
	}
	p.note("cgroup.memory_num_cgroups", NotePredicted, "%d (was %d): a reboot frees every dead memcg ID and the %d live memory cgroups come back", n, was, n)
	p.extra = append(p.extra, "cgroup.controllers")
}

// afterReboot predicts the kernel log and memory state a reboot resets.
func (p *projector) afterReboot() {
	kl := &p.f.KernelLog
	switch kl.Source {
	case "dmesg", "journalctl":
		if len(kl.Signatures) > 0 {
			p.note("kernel_log.signatures", NotePredicted, "none: a reboot starts a new kernel log (%s); %d signature(s) now", kl.Source, len(kl.Signatures))
		}
		kl.Signatures, kl.Truncated = nil, false
	case "":
	default:
		if len(kl.Signatures) > 0 {
			p.note("kernel_log.signatures", NotePredicted, "kept: %s outlives a reboot", kl.Source)
		}
	}
	m := &p.f.Memory
	if len(m.Meminfo) > 0 || len(m.Buddyinfo) > 0 || len(m.ExtfragIndex) > 0 || p.f.Kmem.SlabEntries != nil {
		for _, k := range []string{"Slab", "SReclaimable", "SUnreclaim"} {
			delete(m.Meminfo, k)
		}
		m.Buddyinfo, m.ExtfragIndex, p.f.Kmem.SlabEntries = nil, nil, nil
		for _, s := range []string{facts.SectionMeminfo, facts.SectionBuddyinfo, facts.SectionExtfragIndex, facts.SectionSlab} {
			p.source(s, sourceReset)
		}
		p.note("memory", NotePredicted, "slab, buddyinfo and extfrag reset by the reboot: unknown until audited again")
		p.extra = append(p.extra, "kmem.slab_entries")
	}
}
