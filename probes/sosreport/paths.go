package sosreport

import (
	"path"
	"sort"
	"strings"
)

// The sos paths kaudit reads, below the report's root. sos copies a host
// file to the same path below the root (/proc/cmdline → proc/cmdline) and
// writes a command's output to sos_commands/<plugin>/<command with spaces
// as _ and / as .>; a few get a link at the root (uname, hostname,
// installed-rpms). Sources: sos/report/plugins/*.py (sos 4.x) and
// sos/plugins/*.py (sos 3.x) of https://github.com/sosreport/sos.
var (
	hostnamePaths = []string{
		"sos_commands/host/hostname",    // host.py (sos 3.6+ and 4.x): hostname, root_symlink hostname
		"sos_commands/general/hostname", // general.py (sos 3.0-3.5)
		"hostname",
		"proc/sys/kernel/hostname",
		"etc/hostname",
	}
	unamePaths    = []string{"sos_commands/kernel/uname_-a", "uname"}           // kernel.py: uname -a, root_symlink uname
	rpmPaths      = []string{"installed-rpms", "sos_commands/rpm/package-data"} // rpm.py: root_symlink installed-rpms; suggest_filename package-data
	dmesgPaths    = []string{"sos_commands/kernel/dmesg"}                       // kernel.py: dmesg
	messagesPaths = []string{"var/log/messages", "var/log/kern.log"}
	dockerVersion = []string{"sos_commands/docker/docker_version"} // docker.py: docker version
	sysctlPaths   = []string{"sos_commands/kernel/sysctl_-a"}      // kernel.py: sysctl -a
	dockerInfo    = []string{"sos_commands/docker/docker_info"}    // docker.py: docker info (3.2+; 4.x tags it docker_info)
	dateUTCPaths  = []string{"sos_commands/date/date_--utc"}       // date.py (3.6+, 4.x): date --utc
)

// copied: host files sos copies verbatim (by its plugins' add_copy_spec).
var copied = []string{
	"etc/os-release", "usr/lib/os-release", "etc/redhat-release", "etc/centos-release", "etc/system-release", // release.py: /etc/*release
	"proc/sys/kernel/osrelease", "proc/version", "proc/version_signature", "proc/cmdline", // kernel.py
	"etc/default/grub", "boot/grub2/grub.cfg", "boot/grub/grub.cfg", "boot/grub2/grubenv", "boot/grub/grubenv", // grub2.py
	"proc/mounts", "proc/self/mounts", // filesys.py
	"proc/cgroups", "sys/fs/cgroup/cgroup.controllers", // cgroups.py
	"proc/meminfo", "proc/buddyinfo", "proc/sys/vm/extfrag_threshold", "sys/kernel/debug/extfrag/extfrag_index", // memory.py, kernel.py
	"var/lib/kubelet/config.yaml", "var/lib/kubelet/kubeadm-flags.env", "etc/sysconfig/kubelet", "etc/default/kubelet", // kubernetes.py
	"etc/docker/daemon.json", // docker.py
}

// copiedGlobs: patterns of files sos copies.
var copiedGlobs = []string{
	// installed-rpms links to the rpm query's output (its name follows
	// the query: sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_--qf=...).
	"sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_--qf*",
	"etc/default/grub.d/*.cfg", "boot/efi/EFI/*/grub.cfg", "boot/efi/EFI/*/grubenv", "boot/loader/entries/*.conf", "boot/config-*",
}

// wanted reports whether the reader keeps the file at rel.
func wanted(rel string) bool {
	for _, l := range [][]string{hostnamePaths, unamePaths, rpmPaths, dmesgPaths, messagesPaths, dockerVersion, dockerInfo, dateUTCPaths, sysctlPaths, slabPaths, copied} {
		for _, p := range l {
			if rel == p {
				return true
			}
		}
	}
	for _, g := range copiedGlobs {
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

// wantedDir reports whether a directory may hold a wanted file (the
// directory reader skips the others: sys/ and proc/ are large).
func wantedDir(rel string) bool {
	all := []string{}
	for _, l := range [][]string{hostnamePaths, unamePaths, rpmPaths, dmesgPaths, messagesPaths, dockerVersion, dockerInfo, dateUTCPaths, sysctlPaths, slabPaths, copied, copiedGlobs} {
		all = append(all, l...)
	}
	for _, p := range all {
		if strings.HasPrefix(p, rel+"/") {
			return true
		}
		// a glob component: boot/efi/EFI/* holds grub.cfg
		if ok, _ := path.Match(path.Dir(p), rel); ok {
			return true
		}
		d := path.Dir(p)
		for d != "." {
			if ok, _ := path.Match(d, rel); ok {
				return true
			}
			d = path.Dir(d)
		}
	}
	return false
}

// isLog: a kernel log, summarised while it is read instead of kept.
func isLog(rel string) bool {
	for _, l := range [][]string{dmesgPaths, messagesPaths} {
		for _, p := range l {
			if rel == p {
				return true
			}
		}
	}
	return false
}

func sortStrings(s []string) { sort.Strings(s) }

// isRPMList: package lists may exceed FileMax (a node has 1,000-2,000
// packages); they get RPMListMax.
func isRPMList(rel string) bool {
	return rel == "installed-rpms" || strings.HasPrefix(rel, "sos_commands/rpm/")
}

// RPMListMax bounds an installed-rpms list.
const RPMListMax = 8 << 20
