package sosreport

import (
	"bytes"
	"strings"
	"time"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

// Transport is Facts.Collector.Transport for facts read from a sosreport.
const Transport = "sosreport"

// NotInReport is the message of a section a sosreport does not carry.
const NotInReport = "not in this sosreport"

// notInSos: sections no sos plugin collects. kmem: cgroups.py forbids
// /sys/fs/cgroup/memory/**/memory.kmem.slabinfo (reading it can hang);
// memcg_dirs: sos copies /sys/fs/cgroup files, not a count of the live
// directories; grubby --info: boot.py runs only grubby --default-kernel.
// (sys_kernel_slab comes from kernel.py's listing of /sys/kernel/slab:
// slab.go.)
var notInSos = []string{facts.SectionKmem, facts.SectionMemcgDirs, facts.SectionGrubby}

// Facts builds the host's facts document from the report: the collector's
// sections from sos's files, parse.Build, then the versions installed-rpms
// gives where sos ran no --version.
func (t *Tree) Facts() *facts.Facts {
	secs := t.Sections()
	f := parse.Build(t.Host(), secs)
	f.Collector.Transport = Transport
	f.Collector.Version = ""
	if at, ok := t.CollectedAt(); ok {
		f.CollectedAt = at.Format(time.RFC3339)
	}
	for _, name := range facts.Sections() {
		s := f.Sources[name]
		if s.Error == facts.ErrNotRun && s.Exit == -1 && !seen(secs, name) {
			f.Sources[name] = &facts.Source{Source: "sosreport " + t.Name, Exit: -1, Error: facts.ErrNotRun, Message: NotInReport}
		}
	}
	t.rpmVersions(f)
	return f
}

func seen(secs []collector.Section, name string) bool {
	for _, s := range secs {
		if s.Name == name {
			return true
		}
	}
	return false
}

// CollectedAt is when sos ran, from its date plugin's `date --utc`
// ("Mon Jun  1 02:11:12 UTC 2020": sos runs commands with LC_ALL=C). sos
// 3.0-3.5 ran only `date`, in the host's zone, whose abbreviation (CST)
// names no single offset: such a report has no collection time and is
// recorded in a history at the time of the run.
func (t *Tree) CollectedAt() (time.Time, bool) {
	e := t.firstEntry(dateUTCPaths...)
	if e == nil {
		return time.Time{}, false
	}
	l := strings.Join(strings.Fields(firstLine(e.data)), " ")
	at, err := time.Parse("Mon Jan 2 15:04:05 MST 2006", l)
	if err != nil || !strings.Contains(l, " UTC ") {
		return time.Time{}, false
	}
	return at.UTC(), true
}

// Host is the report's host name: sos's hostname output, else the host's
// own files, else the report's name.
func (t *Tree) Host() string {
	for _, p := range hostnamePaths {
		if e := t.lookup(p); e != nil && e.log == nil {
			if h := strings.TrimSpace(firstLine(e.data)); h != "" && validHost(h) {
				return h
			}
		}
	}
	return t.Name
}

func validHost(h string) bool {
	for _, c := range h {
		if !(c == '-' || c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return len(h) <= 253
}

func firstLine(b []byte) string {
	l, _, _ := bytes.Cut(b, []byte("\n"))
	return string(l)
}

// Sections maps the report's files to the collector's sections. A section
// with no file in the report is left out (Facts marks it "not in this
// sosreport").
func (t *Tree) Sections() []collector.Section {
	var out []collector.Section
	file := func(name, rel string) bool {
		e := t.lookup(rel)
		if e == nil || e.log != nil {
			return false
		}
		out = append(out, collector.Section{Name: name, Source: "sosreport:" + rel, Body: e.data, Truncated: e.truncated})
		return true
	}
	first := func(name string, rels ...string) {
		for _, r := range rels {
			if file(name, r) {
				return
			}
		}
	}
	out = append(out, collector.Section{Name: collector.SectionCollector, Source: "sosreport " + t.Name})
	first(facts.SectionHostname, hostnamePaths...)
	first(facts.SectionOSRelease, "etc/os-release", "usr/lib/os-release")
	first(facts.SectionRedhatRelease, "etc/redhat-release")
	rel := t.release()
	if rel.value != "" {
		out = append(out, collector.Section{Name: facts.SectionOSReleaseKernel, Source: rel.src, Body: []byte(rel.value)})
	}
	first(facts.SectionProcVersion, "proc/version")
	first(facts.SectionVersionSignature, "proc/version_signature")
	first(facts.SectionCmdline, "proc/cmdline")
	file(facts.SectionDefaultGrub, "etc/default/grub")
	for _, p := range t.glob("etc/default/grub.d/*.cfg") {
		file(facts.SectionDefaultGrub, p)
	}
	for _, p := range append([]string{"boot/grub2/grub.cfg", "boot/grub/grub.cfg"}, t.glob("boot/efi/EFI/*/grub.cfg")...) {
		file(facts.SectionGrubCfg, p)
	}
	for _, p := range t.glob("boot/loader/entries/*.conf") {
		file(facts.SectionBLS, p)
	}
	for _, p := range append([]string{"boot/grub2/grubenv", "boot/grub/grubenv"}, t.glob("boot/efi/EFI/*/grubenv")...) {
		file(facts.SectionGrubenv, p)
	}
	if rel.value != "" {
		if e := t.lookup("boot/config-" + rel.value); e != nil && e.log == nil {
			out = append(out, collector.Section{Name: facts.SectionKernelConfig, Source: "sosreport:boot/config-" + rel.value, Body: memcgLines(e.data)})
		}
	}
	if e := t.firstEntry("proc/mounts", "proc/self/mounts"); e != nil {
		out = append(out, collector.Section{Name: facts.SectionMounts, Source: e.src, Body: cgroupLines(e.data), Truncated: e.truncated})
	}
	first(facts.SectionProcCgroups, "proc/cgroups")
	first(facts.SectionCgroupV2, "sys/fs/cgroup/cgroup.controllers")
	if s := t.slabSection(); s != nil {
		out = append(out, *s)
	}
	first(facts.SectionMeminfo, "proc/meminfo")
	first(facts.SectionBuddyinfo, "proc/buddyinfo")
	first(facts.SectionExtfragIndex, "sys/kernel/debug/extfrag/extfrag_index")
	if !file(facts.SectionExtfragThreshold, "proc/sys/vm/extfrag_threshold") {
		if v, src := t.sysctl("vm.extfrag_threshold"); v != "" {
			out = append(out, collector.Section{Name: facts.SectionExtfragThreshold, Source: src, Body: []byte(v)})
		}
	}
	for _, p := range []string{"var/lib/kubelet/config.yaml", "var/lib/kubelet/kubeadm-flags.env", "etc/sysconfig/kubelet", "etc/default/kubelet"} {
		file(facts.SectionKubeletConfig, p)
	}
	file(facts.SectionDockerDaemon, "etc/docker/daemon.json")
	if s := t.kernelLog(); s != nil {
		out = append(out, *s)
	}
	return out
}

type located struct {
	src, value string
}

type locEntry struct {
	*entry
	src string
}

func (t *Tree) firstEntry(rels ...string) *locEntry {
	for _, r := range rels {
		if e := t.lookup(r); e != nil && e.log == nil {
			return &locEntry{e, "sosreport:" + r}
		}
	}
	return nil
}

// release is the running kernel's release: /proc/sys/kernel/osrelease when
// sos copied it, else the third field of uname -a.
func (t *Tree) release() located {
	if e := t.firstEntry("proc/sys/kernel/osrelease"); e != nil {
		if v := strings.TrimSpace(firstLine(e.data)); v != "" {
			return located{e.src, v}
		}
	}
	if e := t.firstEntry(unamePaths...); e != nil {
		if f := strings.Fields(firstLine(e.data)); len(f) >= 3 && f[0] == "Linux" {
			return located{e.src + " (uname -a, field 3)", f[2]}
		}
	}
	return located{}
}

// sysctl finds KEY in sos's sysctl -a output.
func (t *Tree) sysctl(key string) (value, source string) {
	e := t.firstEntry(sysctlPaths...)
	if e == nil {
		return "", ""
	}
	for _, l := range strings.Split(string(e.data), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), e.src + " (" + key + ")"
		}
	}
	return "", ""
}

// memcgLines keeps the CONFIG_MEMCG lines of a kernel config, as the
// collector's grep does.
func memcgLines(b []byte) []byte {
	var out bytes.Buffer
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "CONFIG_MEMCG") || strings.HasPrefix(l, "# CONFIG_MEMCG") {
			out.WriteString(l + "\n")
		}
	}
	return out.Bytes()
}

// cgroupLines keeps the cgroup and cgroup2 mounts, as the collector does.
func cgroupLines(b []byte) []byte {
	var out bytes.Buffer
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, " cgroup ") || strings.Contains(l, " cgroup2 ") {
			out.WriteString(l + "\n")
		}
	}
	return out.Bytes()
}

// kernelLog is the first kernel log the report holds, in the collector's
// order: dmesg (sos ran it at collection time), /var/log/messages,
// /var/log/kern.log. Its source names what it was on the host.
func (t *Tree) kernelLog() *collector.Section {
	for _, p := range append(append([]string{}, dmesgPaths...), messagesPaths...) {
		e := t.lookup(p)
		if e == nil || e.log == nil {
			continue
		}
		src := "/" + p
		if strings.HasPrefix(p, "sos_commands/kernel/") {
			src = "dmesg"
		}
		return &collector.Section{Name: facts.SectionKernelLog, Source: src, Body: e.log.body(), Truncated: e.log.truncated}
	}
	return nil
}

// dockerVersion reads sos's "docker version" output (Client: / Server:
// blocks): the server's version when shown, else the client's.
func (t *Tree) dockerVersion() (version, source string) {
	e := t.firstEntry(dockerVersion...)
	if e == nil {
		return "", ""
	}
	var client, server, block string
	for _, l := range strings.Split(string(e.data), "\n") {
		tl := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Client"):
			block = "client"
		case strings.HasPrefix(l, "Server"):
			block = "server"
		case strings.HasPrefix(tl, "Version:"):
			v := strings.TrimSpace(strings.TrimPrefix(tl, "Version:"))
			if block == "client" && client == "" {
				client = v
			} else if block == "server" && server == "" {
				server = v
			}
		}
	}
	v := server
	if v == "" {
		v = client
	}
	if v == "" || len(v) > 64 || strings.ContainsAny(v, " ,\t") {
		return "", ""
	}
	return v, e.src + " (docker version)"
}
