# Derived state shared by the checks: is the kernel affected, what does the
# cgroup tree show, is nokmem in effect, what will runc and the kubelet do.
# Every rule here is total (ends in an unconditional else) so the checks can
# compare against a value instead of testing for undefined.
package kaudit.kmem

import data.kaudit.lib.version

# ---------------------------------------------------------------- helpers

# Evidence objects map fact paths ("kernel.release") to their values,
# null when not collected (the engine drops nulls from reports).

# src_note(section) says why a section is missing: "cmdline: permission (...)".
src_note(section) := sprintf("%s: %s%s", [section, e, _src_msg(section)]) if {
	e := input.sources[section].error
	e != ""
} else := sprintf("%s: not collected", [section]) if {
	not input.sources[section]
} else := sprintf("%s: read, but no value parsed", [section])

_src_msg(section) := sprintf(" (%s)", [m]) if {
	m := input.sources[section].message
	m != ""
} else := ""

# ran_clean(section): the collector ran the section and found nothing missing
# beyond the thing itself ("absent").
ran_clean(section) if object.get(input.sources[section], "error", "") in {"", "absent"}

# one_line caps untrusted text for a message.
one_line(s) := substring(replace(replace(s, "\r", " "), "\n", " "), 0, 240)

# ---------------------------------------------------------------- cgroup layout

# layout: "v1" (a v1 memory hierarchy), "v1_assumed" (not collected, but the
# kernel predates cgroup v2), "none" (no v1 memory hierarchy: v2 only, or the
# memory controller disabled) or "unknown".
layout := "v1" if {
	input.cgroup.memory_v1 == true
} else := "none" if {
	input.cgroup.memory_v1 == false
} else := "v1" if {
	input.cgroup.mode in {"v1", "hybrid"}
} else := "none" if {
	input.cgroup.mode == "v2"
} else := "v1_assumed" if {
	_kernel_predates_v2
} else := "unknown"

_kernel_predates_v2 if input.kernel.family == "rhel7"

# version_families: kernel families judged by their upstream base version
# (docs/facts.md "Kernel families"); rhel7 is judged as RHEL 7, any other
# family ("unknown") is unknown.
version_families := {"upstream", "ubuntu", "rhel", "uek", "amzn", "debian", "suse"}

_kernel_predates_v2 if {
	input.kernel.family in version_families
	version.compare("kernel", input.kernel.upstream, "4.5") < 0
}

layout_desc := "no cgroup v1 memory hierarchy (cgroup v2 only)" if {
	layout == "none"
	input.cgroup.mode == "v2"
} else := "no cgroup v1 memory hierarchy (memory controller not mounted)" if {
	layout == "none"
} else := sprintf("cgroup %s with a v1 memory hierarchy", [input.cgroup.mode]) if {
	layout == "v1"
	input.cgroup.mode != ""
} else := "a v1 memory hierarchy" if {
	layout == "v1"
} else := "cgroup layout not collected; assumed v1 (the kernel predates cgroup v2)" if {
	layout == "v1_assumed"
} else := sprintf("cgroup layout unknown (%s)", [src_note("cgroup_mounts")])

# ---------------------------------------------------------------- kernel

# Version facts (docs/policies.md, "Version facts and their sources", has
# each one's public source). kaudit gate's projection reads the string
# entries from here (policies.Thresholds), so keep them constant strings.
thresholds := {
	"kernel_fixed": "4.7", # memcg ID recycling, 73f576c04b94
	"kernel_backports": [["4.4.18", "4.5"], ["4.6.6", "4.7"]],
	"kernel_nokmem_v1": "4.6", # cgroup.memory=nokmem effective for v1
	"rhel7_slab_fix": "3.10.0-1075.el7", # RH bz 1507149
	# first RHEL 7 kernel cgroup.memory=nokmem is reported to work on (low
	# confidence: docker/for-linux#841, opencontainers/runc#2039)
	"rhel7_nokmem_reported": "3.10.0-1062.el7",
	"runc_enables": "1.0.0-rc3",
	"runc_nokmem_tag": "1.0.0-rc6", # the nokmem build tag exists
	"runc_safe": "1.0.0-rc94",
	"kubelet_enables": "1.8",
	"kubelet_nokmem_tag": "1.14",
	"kubelet_safe": "1.22",
}

# kernel_state: "affected", "fixed", "no_kmem" (built without
# CONFIG_MEMCG_KMEM) or "unknown". Ignores the cgroup layout.
kernel_state := "no_kmem" if {
	input.kernel.config.CONFIG_MEMCG_KMEM == "n"
} else := "affected" if {
	input.kernel.family == "rhel7"
} else := "unknown" if {
	not input.kernel.family in version_families
} else := "affected" if {
	version.compare("kernel", input.kernel.upstream, thresholds.kernel_fixed) < 0
	not _upstream_backported
} else := "fixed" if {
	version.valid("kernel", input.kernel.upstream)
} else := "unknown"

_upstream_backported if {
	some r in thresholds.kernel_backports
	version.compare("kernel", input.kernel.upstream, r[0]) >= 0
	version.compare("kernel", input.kernel.upstream, r[1]) < 0
}

kernel_desc := sprintf("kernel %s (upstream %s)", [input.kernel.release, input.kernel.upstream]) if {
	input.kernel.family != "rhel7"
	input.kernel.upstream != input.kernel.release
} else := sprintf("kernel %s", [input.kernel.release]) if {
	input.kernel.release != ""
} else := "kernel unknown"

# affect: "affected" (affected kernel with a v1 memory hierarchy),
# "unaffected" or "unknown".
affect := "unaffected" if {
	layout == "none"
} else := "unaffected" if {
	kernel_state in {"fixed", "no_kmem"}
} else := "affected" if {
	kernel_state == "affected"
	layout in {"v1", "v1_assumed"}
} else := "unknown"

# why the node is (not) affected, for messages.
affect_desc := sprintf("%s: %s; not affected by the kmem leak", [kernel_desc, layout_desc]) if {
	layout == "none"
} else := sprintf("%s is built without CONFIG_MEMCG_KMEM; not affected", [kernel_desc]) if {
	kernel_state == "no_kmem"
} else := sprintf("%s recycles memcg IDs (fixed in 4.7, 4.4.18+, 4.6.6+); not affected", [kernel_desc]) if {
	kernel_state == "fixed"
} else := sprintf("%s is a RHEL 7 kernel; memcg IDs leak", [kernel_desc]) if {
	input.kernel.family == "rhel7"
	kernel_state == "affected"
} else := sprintf("%s predates the memcg ID fix (4.7; 4.4.18+, 4.6.6+); memcg IDs leak", [kernel_desc]) if {
	kernel_state == "affected"
} else := sprintf("%s: %s", [kernel_desc, layout_desc]) if {
	kernel_state == "affected"
} else := sprintf("kernel family not recognised: release %q (kaudit judges only the families of docs/facts.md \"Kernel families\")", [input.kernel.release]) if {
	input.kernel.family == "unknown"
	input.kernel.release != ""
} else := sprintf("kernel release or upstream version unknown (%s)", [src_note("kernel_osrelease")])

# ---------------------------------------------------------------- cgroup evidence

kubepods_state := s if {
	s := input.kmem.kubepods.state
	is_string(s)
} else := "not_collected"

_containers := c if {
	c := input.kmem.containers
	is_array(c)
} else := []

# the counters of the container sample, 0 when not collected.
kmem_counts := object.union(
	{"containers_found": 0, "containers_sampled": 0, "containers_active": 0, "containers_inactive": 0, "containers_error": 0},
	{k: n |
		some k in ["containers_found", "containers_sampled", "containers_active", "containers_inactive", "containers_error"]
		n := input.kmem[k]
		is_number(n)
	},
)

active_count := kmem_counts.containers_active + 1 if {
	kubepods_state == "active"
} else := kmem_counts.containers_active

inactive_count := kmem_counts.containers_inactive + 1 if {
	kubepods_state == "inactive"
} else := kmem_counts.containers_inactive

# kmem_observed: what memory.kmem.slabinfo showed: "active", "inactive"
# (all EIO) or "none" (nothing readable).
kmem_observed := "active" if {
	active_count > 0
} else := "inactive" if {
	inactive_count > 0
} else := "none"

# kmem_usage lines ("kmem: usage NNNkB, limit ...") in the ring buffer of this
# boot prove accounting is on. /var/log/messages may span older boots, so only
# dmesg and journalctl count.
kmem_in_log if {
	input.kernel_log.source in {"dmesg", "journalctl"}
	input.kernel_log.signatures.kmem_usage.count > 0
}

# Container cgroups that show what runc did: outside kubepods always; below
# kubepods only when kubepods itself is not accounted (children of an accounted
# cgroup inherit kmem, whatever runc does).
_runc_kinds := {"docker", "system_slice"} if {
	kubepods_state == "active"
} else := {"docker", "system_slice", "container"}

# the states of the runc-made cgroups sampled.
_runc_sample := [c.state |
	some c in cs
	c.kind in kinds
] if {
	cs := _containers
	kinds := _runc_kinds
}

runc_sample_active := count([s | some s in _runc_sample; s == "active"])

runc_sample_inactive := count([s | some s in _runc_sample; s == "inactive"])

accounting_desc := sprintf("kmem accounting active in %d and inactive (EIO) in %d of the sampled cgroups (kubepods: %s; containers: %d active, %d inactive, %d unreadable of %d sampled, %d found)", [
	active_count, inactive_count, kubepods_state,
	c.containers_active, c.containers_inactive, c.containers_error,
	c.containers_sampled, c.containers_found,
]) if c := kmem_counts

# ---------------------------------------------------------------- nokmem

cmdline_nokmem := b if {
	b := input.boot.nokmem
	is_boolean(b)
} else := "unknown"

# kernels known to ignore the option: upstream before ~4.6.
kernel_ignores_nokmem if {
	input.kernel.family in version_families
	version.compare("kernel", input.kernel.upstream, thresholds.kernel_nokmem_v1) < 0
}

# kmem accounting seen on in this boot: in the cgroup tree or the kernel log.
kmem_seen if kmem_observed == "active"

kmem_seen if kmem_in_log

# nokmem_state: "in_effect" (on the cmdline, nothing contradicts it),
# "ignored" (on the cmdline but kmem active, or a kernel without the option),
# "absent" (cmdline read, option missing), "not_in_effect" (cmdline unread but
# kmem observed active) or "unknown".
nokmem_state := "absent" if {
	cmdline_nokmem == false
} else := "ignored" if {
	cmdline_nokmem == true
	_nokmem_ignored
} else := "in_effect" if {
	cmdline_nokmem == true
} else := "not_in_effect" if {
	kmem_seen
} else := "unknown"

_nokmem_ignored if kmem_seen

_nokmem_ignored if kernel_ignores_nokmem

nokmem_off := {"absent", "ignored", "not_in_effect"}

nokmem_desc := "not on the running cmdline" if {
	nokmem_state == "absent"
} else := "on the cmdline but ignored by this kernel" if {
	nokmem_state == "ignored"
} else := "kmem accounting seen on; cmdline not read" if {
	nokmem_state == "not_in_effect"
} else := "in effect" if {
	nokmem_state == "in_effect"
} else := sprintf("unknown: %s", [src_note("cmdline")])

# ---------------------------------------------------------------- runtimes

_runc_bins := b if {
	b := input.runtimes.runc
	is_array(b)
} else := []

# presence: "present", "absent" or "unknown".
runc_presence := "present" if {
	count(_runc_bins) > 0
} else := "absent" if {
	ran_clean("runc")
} else := "unknown"

kubelet_presence := "present" if {
	is_object(input.runtimes.kubelet)
} else := "absent" if {
	ran_clean("kubelet")
} else := "unknown"

# no_container_stack: the collector probed for runc, docker, containerd and
# the kubelet and found none of them, and found no kubepods or container
# cgroup (nor kmem usage in the kernel log): nothing on this node creates
# kmem-accounted cgroups. A failed or missing probe is not "none".
no_container_stack if {
	runc_presence == "absent"
	kubelet_presence == "absent"
	_binary_absent("docker")
	_binary_absent("containerd")
	kubepods_state == "absent"
	input.kmem.containers_found == 0
	not kmem_in_log
}

_binary_absent(name) if {
	not _has_binary(name)
	ran_clean(name)
}

_has_binary(name) if is_object(input.runtimes[name])

no_container_stack_desc := "no container runtime or kubelet on this node (runc, docker, containerd and kubelet not found) and no kubepods or container cgroup"

# the cgroup driver runc runs with: the kubelet's when known (docker and
# containerd must match it), else docker's.
runc_driver := d if {
	d := input.runtimes.kubelet_cgroup_driver
	d != ""
} else := d if {
	d := input.runtimes.docker_cgroup_driver
	d != ""
} else := "unknown"

# runc_verdict(b): "enables" (kmem on every memory-limited cgroup),
# "explicit_only" (only with an explicit kernel-memory limit), "safe" or
# "unknown" (version unparseable: compare is undefined).
runc_verdict(b) := v if {
	t := thresholds
	v := _runc_verdict(b, version.compare("runc", b.version, t.runc_safe), version.compare("runc", b.version, t.runc_enables))
} else := "unknown"

_runc_verdict(b, vs_safe, vs_enables) := "safe" if {
	vs_safe >= 0
} else := "safe" if {
	vs_enables < 0
} else := "explicit_only" if {
	projectatomic(b)
} else := "explicit_only" if {
	runc_driver == "systemd"
} else := "enables"

# projectatomic(b): RHEL's docker-runc fork (kmem only with an explicit
# limit). The collector flags every docker-runc* binary, but docker-ce and
# -ee (17.03+) ship upstream runc under the same name, so the flag counts only
# without a docker-ce, and for a docker-runc-current/-latest binary, one in
# /usr/libexec/docker, or next to RHEL's docker 1.13.
projectatomic(b) if {
	b.flavor == "projectatomic"
	not _docker_ce
	_projectatomic_build(b)
}

_docker_vs_ce := version.compare("docker", input.runtimes.docker.version, "17.03")

_docker_ce if _docker_vs_ce >= 0

_projectatomic_build(b) if endswith(b.name, "-current")

_projectatomic_build(b) if endswith(b.name, "-latest")

_projectatomic_build(b) if startswith(b.path, "/usr/libexec/docker/")

_projectatomic_build(_) if _docker_vs_ce < 0

_verdict_rank := {"enables": 3, "unknown": 2, "explicit_only": 1, "safe": 0}

# every runc binary: its verdict and its description.
_runc_judged := [{"bin": b, "verdict": runc_verdict(b), "desc": runc_bin_desc(b)} |
	some b in bins
	is_object(b)
] if bins := _runc_bins

# the worst runc binary and its verdict (usually the only one).
runc_worst := js[0] if {
	js := _runc_judged
	count(js) == 1
} else := [j | some j in js; rank[j.verdict] == worst][0] if {
	js := _runc_judged
	rank := _verdict_rank
	worst := max([rank[j.verdict] | some j in js])
}

runc_bin_desc(b) := sprintf("%s %s (%s)", [object.get(b, "name", "runc"), object.get(b, "version", "?"), object.get(b, "path", "?")])

runc_all_desc := concat(", ", [sprintf("%s: %s", [j.desc, j.verdict]) | some j in _runc_judged])

runc_verdict_desc := _runc_verdict_desc(runc_worst)

_runc_verdict_desc(w) := sprintf("enables kmem accounting on every memory-limited cgroup (1.0.0-rc3 <= v < 1.0.0-rc94; docker %s ships upstream runc as docker-runc, not the projectatomic fork)", [input.runtimes.docker.version]) if {
	w.verdict == "enables"
	w.bin.flavor == "projectatomic"
	_docker_ce
} else := "enables kmem accounting on every memory-limited cgroup (1.0.0-rc3 <= v < 1.0.0-rc94; no docker version tells it apart from RHEL's projectatomic fork, so it is judged as upstream)" if {
	w.verdict == "enables"
	w.bin.flavor == "projectatomic"
} else := "enables kmem accounting on every memory-limited cgroup (1.0.0-rc3 <= v < 1.0.0-rc94)" if {
	w.verdict == "enables"
} else := "is RHEL's projectatomic fork: kmem only with an explicit kernel-memory limit (docker run --kernel-memory)" if {
	w.verdict == "explicit_only"
	projectatomic(w.bin)
} else := "runs with the systemd cgroup driver: kmem only with an explicit kernel-memory limit (rc3-rc93)" if {
	w.verdict == "explicit_only"
} else := "does not enable kmem accounting (>= 1.0.0-rc94 or < 1.0.0-rc3)" if {
	w.verdict == "safe"
} else := "did not answer --version in time (timeout: killed by the collector's timer; the node may be overloaded)" if {
	w.bin.error == "timeout"
} else := sprintf("gave no version (%s)", [w.bin.error]) if {
	w.bin.error in {"fork", "truncated"}
} else := "has an unparseable version"

# runc_side: what runc does to kmem on this node: "absent", "unknown",
# "active" (runc-made cgroups observed accounted), "neutralised" (all EIO: a
# nokmem build or not enabling) or the worst version verdict.
runc_side := "absent" if {
	runc_presence == "absent"
} else := "unknown" if {
	runc_presence == "unknown"
} else := "active" if {
	runc_sample_active > 0
} else := "neutralised" if {
	runc_sample_inactive > 0
} else := runc_worst.verdict

kubelet_version := v if {
	v := input.runtimes.kubelet.version
	is_string(v)
} else := ""

# kubelet_verdict: "enables" (1.8 <= v < 1.22), "safe" or "unknown".
kubelet_verdict := "unknown" if {
	not _kubelet_cmp
} else := "safe" if {
	_kubelet_cmp[0] >= 0
} else := "safe" if {
	_kubelet_cmp[1] < 0
} else := "enables"

# the kubelet version against 1.22 and 1.8 (-1, 0, 1); undefined when it does
# not parse.
_kubelet_cmp := [version.compare("kubelet", v, t.kubelet_safe), version.compare("kubelet", v, t.kubelet_enables)] if {
	v := kubelet_version
	t := thresholds
}

kubelet_nokmem_buildable if version.compare("kubelet", kubelet_version, thresholds.kubelet_nokmem_tag) >= 0

kubelet_side := "absent" if {
	kubelet_presence == "absent"
} else := "unknown" if {
	kubelet_presence == "unknown"
} else := "active" if {
	kubepods_state == "active"
} else := "neutralised" if {
	kubepods_state == "inactive"
} else := kubelet_verdict

# kmem_switch: will kmem accounting be on? "on", "off" or "unknown".
kmem_switch := "on" if {
	kmem_seen
} else := "on" if {
	runc_side == "enables"
} else := "on" if {
	kubelet_side == "enables"
} else := "off" if {
	runc_side in {"absent", "neutralised", "safe", "explicit_only"}
	kubelet_side in {"absent", "neutralised", "safe"}
} else := "unknown"

# what switches it on, for messages.
kmem_switch_why contains sprintf("observed active in %d sampled cgroups", [active_count]) if kmem_observed == "active"

kmem_switch_why contains "kmem usage lines in the kernel log" if kmem_in_log

kmem_switch_why contains sprintf("runc %s enables it", [object.get(runc_worst.bin, "version", "?")]) if runc_side == "enables"

kmem_switch_why contains sprintf("kubelet %s enables it", [kubelet_version]) if kubelet_side == "enables"

# ---------------------------------------------------------------- boot config

persisted := p if {
	p := input.boot.persisted
	is_array(p)
} else := []

# entries that decide the next boot, plus GRUB_CMDLINE_LINUX (which decides
# every regenerated grub.cfg).
# (the object.get: /etc/default/grub always, another kind when "default")
boot_relevant := [p |
	some p in ps
	object.get({"default_grub": true}, p.kind, p["default"]) == true
] if ps := persisted

boot_sections := ["default_grub", "grub_cfg", "bls_entries", "grubenv", "grubby"]

# no boot loader configuration at all (containers, direct kernel boot).
no_bootloader if {
	count(persisted) == 0
	every s in boot_sections {
		input.sources[s].error == "absent"
	}
}

# nokmem persisted for the next boot (a default entry, not only
# /etc/default/grub).
nokmem_persisted_next if {
	some p in boot_relevant
	p.kind != "default_grub"
	p.nokmem == true
}
