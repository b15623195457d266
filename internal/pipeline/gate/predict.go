package gate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/policies/version"
	"github.com/kaudit/kaudit/probes/facts"
)

// Versions are the version facts the projection predicts with: the kmem
// pack's own thresholds (policies.Thresholds; docs/policies.md, "Version
// facts and their sources", has each one's public source), so a projection
// and the checks that judge it use the same boundaries.
type Versions struct {
	RuncEnables      string // runc enables kmem on memory-limited cgroups (cgroupfs)
	RuncNokmemTag    string // the nokmem build tag exists
	RuncSafe         string // kernel memory limits always ignored
	KubeletEnables   string // kubelet enables kmem on pod cgroups (~1.8/1.9)
	KubeletNokmemTag string // -tags=nokmem supported
	KubeletSafe      string // no longer enables kmem
	KernelNokmemV1   string // upstream: cgroup.memory=nokmem effective for v1
	// RHEL7NokmemReported is the first RHEL 7 kernel cgroup.memory=nokmem
	// is reported to work on (low confidence).
	RHEL7NokmemReported string
}

// PackVersions reads Versions from the built-in pack's thresholds; a
// threshold the pack does not define is an error (the pack and the gate
// have drifted apart).
func PackVersions() (Versions, error) {
	th, err := policies.Thresholds()
	if err != nil {
		return Versions{}, err
	}
	var v Versions
	var missing []string
	for key, dst := range map[string]*string{
		"runc_enables":          &v.RuncEnables,
		"runc_nokmem_tag":       &v.RuncNokmemTag,
		"runc_safe":             &v.RuncSafe,
		"kubelet_enables":       &v.KubeletEnables,
		"kubelet_nokmem_tag":    &v.KubeletNokmemTag,
		"kubelet_safe":          &v.KubeletSafe,
		"kernel_nokmem_v1":      &v.KernelNokmemV1,
		"rhel7_nokmem_reported": &v.RHEL7NokmemReported,
	} {
		if *dst = th[key]; *dst == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Versions{}, fmt.Errorf("the kmem pack's thresholds lack %s", strings.Join(missing, ", "))
	}
	return v, nil
}

// vcmp compares two versions of kind; an unparseable version compares as -2
// so callers test validity first.
func vcmp(kind, a, b string) int {
	c, err := version.Compare(kind, a, b)
	if err != nil {
		return -2
	}
	return c
}

// tri is a three-valued prediction.
type tri int

const (
	triUnknown tri = iota
	triYes
	triNo
)

// effect is what a component does to kmem accounting in the cgroups it
// creates after the plan, and why.
type effect struct {
	on  tri // yes: switches kmem on; no: leaves it off; unknown: cannot tell
	why string
}

// predictState predicts the memory.kmem.slabinfo state and why: "active",
// "inactive", or "" when it cannot be predicted.
func predictState(nokmem effect, creator effect) (string, string) {
	switch {
	case nokmem.on == triYes:
		return "inactive", nokmem.why
	case creator.on == triNo:
		return "inactive", creator.why
	case creator.on == triYes && nokmem.on == triNo:
		return "active", creator.why + "; " + nokmem.why
	case creator.on == triYes:
		return "", creator.why + ", and " + nokmem.why
	}
	return "", creator.why
}

// nokmemEffect predicts whether cgroup.memory=nokmem keeps kmem accounting
// off after the plan: on = yes when it is in effect. cur is the host now,
// proj the projected facts; kernelSame tells whether the same kernel runs.
func nokmemEffect(vs Versions, cur, proj *facts.Facts, kernelSame bool) effect {
	if proj.Boot.Nokmem == nil {
		return effect{triUnknown, "whether cgroup.memory=nokmem is on the running cmdline is unknown (cmdline not read)"}
	}
	if !*proj.Boot.Nokmem {
		return effect{triNo, "cgroup.memory=nokmem is not on the cmdline"}
	}
	k := proj.Kernel
	if kernelSame && cur.Boot.Nokmem != nil && *cur.Boot.Nokmem {
		switch observedKmem(cur) {
		case "active":
			return effect{triNo, fmt.Sprintf("kernel %s ignores cgroup.memory=nokmem (kmem accounting is active with it on the cmdline now)", k.Release)}
		case "inactive":
			return effect{triYes, fmt.Sprintf("cgroup.memory=nokmem is in effect on kernel %s (observed: the sampled cgroups read EIO now)", k.Release)}
		}
	}
	switch k.Family {
	case "upstream", "ubuntu":
		switch c := vcmp(version.KindKernel, k.Upstream, vs.KernelNokmemV1); {
		case c == -2:
		case c < 0:
			return effect{triNo, fmt.Sprintf("kernel %s (upstream %s) predates cgroup.memory=nokmem for cgroup v1 (~%s) and ignores it", k.Release, k.Upstream, vs.KernelNokmemV1)}
		default:
			return effect{triYes, fmt.Sprintf("cgroup.memory=nokmem is in effect on kernel %s (upstream %s >= %s)", k.Release, k.Upstream, vs.KernelNokmemV1)}
		}
	case "rhel7":
		if c := vcmp(version.KindRPM, k.Release, vs.RHEL7NokmemReported); c >= 0 {
			return effect{triYes, fmt.Sprintf("cgroup.memory=nokmem is in effect on kernel %s (reported working from %s, low confidence: verify after the rollout)", k.Release, vs.RHEL7NokmemReported)}
		}
		return effect{triUnknown, fmt.Sprintf("whether kernel %s honours cgroup.memory=nokmem is unknown (first confirmed RHEL 7 kernel: %s)", k.Release, vs.RHEL7NokmemReported)}
	}
	return effect{triUnknown, fmt.Sprintf("whether kernel %q honours cgroup.memory=nokmem is unknown", k.Release)}
}

// observedKmem is what a host's cgroup sample shows: "active" when any
// sampled cgroup is accounted, "inactive" when all read EIO, else "".
func observedKmem(f *facts.Facts) string {
	active, inactive := f.Kmem.ContainersActive, f.Kmem.ContainersInactive
	if kp := f.Kmem.Kubepods; kp != nil {
		switch kp.State {
		case "active":
			active++
		case "inactive":
			inactive++
		}
	}
	switch {
	case active > 0:
		return "active"
	case inactive > 0:
		return "inactive"
	}
	return ""
}

// cmdlineWithout reports whether the host's running cmdline was read and
// lacks cgroup.memory=nokmem, so its cgroup evidence shows what the
// runtimes do.
func cmdlineWithout(f *facts.Facts) bool { return f.Boot.Nokmem != nil && !*f.Boot.Nokmem }

// kubeletEffect predicts what the kubelet does to the pod cgroups it creates
// after the plan. changed: the plan replaces the kubelet binary.
func kubeletEffect(vs Versions, cur, proj *facts.Facts, c *Change, changed bool) effect {
	kb := proj.Runtimes.Kubelet
	if kb == nil {
		return effect{triNo, "no kubelet"}
	}
	if !changed && cmdlineWithout(cur) && cur.Kmem.Kubepods != nil {
		switch cur.Kmem.Kubepods.State {
		case "inactive":
			return effect{triNo, fmt.Sprintf("kubelet %s leaves kmem off (observed: kubepods reads EIO without cgroup.memory=nokmem, a nokmem build)", kb.Version)}
		case "active":
			return effect{triYes, fmt.Sprintf("kubelet %s enables kmem accounting (observed: kubepods is accounted now)", kb.Version)}
		}
	}
	v := kb.Version
	switch {
	case !version.Valid(version.KindKubelet, v):
		return effect{triUnknown, fmt.Sprintf("kubelet version %q is unparseable", v)}
	case vcmp(version.KindKubelet, v, vs.KubeletEnables) < 0:
		return effect{triNo, fmt.Sprintf("kubelet %s predates kmem accounting on pod cgroups (< %s)", v, vs.KubeletEnables)}
	case vcmp(version.KindKubelet, v, vs.KubeletSafe) >= 0:
		return effect{triNo, fmt.Sprintf("kubelet %s (>= %s) no longer enables kmem accounting", v, vs.KubeletSafe)}
	case changed && isTrue(c.KubeletNokmem) && vcmp(version.KindKubelet, v, vs.KubeletNokmemTag) >= 0:
		return effect{triNo, fmt.Sprintf("kubelet %s is built with -tags=nokmem", v)}
	case changed && isTrue(c.KubeletNokmem):
		return effect{triYes, fmt.Sprintf("kubelet %s (%s <= v < %s) enables kmem accounting on pod cgroups: -tags=nokmem exists only from %s", v, vs.KubeletEnables, vs.KubeletSafe, vs.KubeletNokmemTag)}
	}
	return effect{triYes, fmt.Sprintf("kubelet %s (%s <= v < %s) enables kmem accounting on pod cgroups", v, vs.KubeletEnables, vs.KubeletSafe)}
}

// runcSample counts the sampled cgroups that show what runc did: outside
// kubepods always, below it only when kubepods itself is not accounted
// (children of an accounted cgroup inherit kmem whatever runc does).
func runcSample(f *facts.Facts) (active, inactive int) {
	kubepodsActive := f.Kmem.Kubepods != nil && f.Kmem.Kubepods.State == "active"
	for _, c := range f.Kmem.Containers {
		if c.Kind == "container" && kubepodsActive || c.Kind != "container" && c.Kind != "docker" && c.Kind != "system_slice" {
			continue
		}
		switch c.State {
		case "active":
			active++
		case "inactive":
			inactive++
		}
	}
	return active, inactive
}

// runcEffect predicts what runc does to the container cgroups it creates
// after the plan: the worst of every runc binary. changed: the plan
// replaces runc.
func runcEffect(vs Versions, cur, proj *facts.Facts, c *Change, changed bool) effect {
	bins := proj.Runtimes.Runc
	if len(bins) == 0 {
		return effect{triNo, "no runc"}
	}
	if !changed && cmdlineWithout(cur) {
		switch active, inactive := runcSample(cur); {
		case active > 0:
			return effect{triYes, fmt.Sprintf("runc %s enables kmem accounting (observed: %d runc-made container cgroups are accounted now)", bins[0].Version, active)}
		case inactive > 0:
			return effect{triNo, fmt.Sprintf("runc %s leaves kmem off (observed: %d runc-made container cgroups read EIO without cgroup.memory=nokmem)", bins[0].Version, inactive)}
		}
	}
	driver := proj.Runtimes.KubeletCgroupDriver
	if driver == "" {
		driver = proj.Runtimes.DockerCgroupDriver
	}
	worst := effect{triNo, ""}
	rank := map[tri]int{triNo: 0, triUnknown: 1, triYes: 2}
	for _, b := range bins {
		e := runcBinaryEffect(vs, b, changed && isTrue(c.RuncNokmem), driver)
		if worst.why == "" || rank[e.on] > rank[worst.on] {
			worst = e
		}
	}
	return worst
}

func runcBinaryEffect(vs Versions, b facts.Binary, nokmemBuild bool, driver string) effect {
	v := b.Version
	switch {
	case !version.Valid(version.KindRunc, v):
		return effect{triUnknown, fmt.Sprintf("%s version %q is unparseable", b.Name, v)}
	case vcmp(version.KindRunc, v, vs.RuncSafe) >= 0:
		return effect{triNo, fmt.Sprintf("%s %s (>= %s) ignores kernel memory limits", b.Name, v, vs.RuncSafe)}
	case vcmp(version.KindRunc, v, vs.RuncEnables) < 0:
		return effect{triNo, fmt.Sprintf("%s %s predates kmem accounting (< %s)", b.Name, v, vs.RuncEnables)}
	case nokmemBuild:
		return effect{triNo, fmt.Sprintf("%s %s is built with the nokmem tag", b.Name, v)}
	case b.Flavor == facts.FlavorProjectAtomic:
		return effect{triNo, fmt.Sprintf("%s %s is the projectatomic fork: kmem only with an explicit kernel-memory limit", b.Name, v)}
	case driver == "systemd":
		return effect{triNo, fmt.Sprintf("%s %s runs with the systemd cgroup driver: kmem only with an explicit kernel-memory limit", b.Name, v)}
	}
	return effect{triYes, fmt.Sprintf("%s %s (%s <= v < %s) enables kmem accounting on every memory-limited cgroup", b.Name, v, vs.RuncEnables, vs.RuncSafe)}
}
