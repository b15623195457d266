// Package collectortest builds fake host roots from the real outputs in
// testdata/outputs and runs the collector script against them with every
// POSIX shell found on this machine (dash, bash, busybox ash). It is used by
// the tests of probes/collector and probes/parse; production code never
// imports it.
//
// The script reads a fake root through its test-only KAUDIT_ROOT prefix; the
// commands it runs (runc, docker, kubelet, dmesg) are stub scripts put first
// in PATH. busybox ash runs its own applets (dmesg, head, find, ...) before
// PATH, so under busybox the kernel log comes from this machine's dmesg.
package collectortest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/collector"
)

// OutputsDir is testdata/outputs relative to a package two levels below the
// module root (probes/collector, probes/parse), where go test runs.
const OutputsDir = "../../testdata/outputs"

// Shell is a way to run `sh -s -- NONCE`.
type Shell struct {
	Name string   // "dash", "bash", "busybox"
	Argv []string // the interpreter and its leading arguments
}

// Shells returns the shells available here: /bin/dash, /bin/bash and
// `busybox sh` (from busybox-static). A missing one is reported through
// testenv.Without (the test runs with the others; under CI=true it fails);
// with none, tb is ended through testenv.Require.
func Shells(tb testing.TB) []Shell {
	tb.Helper()
	var out []Shell
	for _, s := range []Shell{
		{"dash", []string{"/bin/dash"}},
		{"bash", []string{"/bin/bash"}},
		{"busybox", []string{"/bin/busybox", "sh"}},
	} {
		_, err := os.Stat(s.Argv[0])
		if err == nil {
			out = append(out, s)
			continue
		}
		testenv.Without(tb, s.Name, fmt.Errorf("%w (apt-get install %s)", err, map[string]string{"dash": "dash", "bash": "bash", "busybox": "busybox-static"}[s.Name]))
	}
	if len(out) == 0 {
		testenv.Require(tb, "a POSIX shell", errors.New("no /bin/dash, /bin/bash or /bin/busybox (apt-get install dash)"))
	}
	return out
}

// Output reads a file of testdata/outputs.
func Output(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(OutputsDir, name))
	if err != nil {
		tb.Fatalf("read testdata output: %v", err)
	}
	return b
}

// Host is a fake host: a root directory and a directory of command stubs.
type Host struct {
	Root string
	Bin  string
}

// Run runs the embedded collector script with shell against h, the way the
// transport does (script on stdin, nonce as $1), and returns its stdout.
func (h Host) Run(tb testing.TB, sh Shell, nonce string) []byte {
	tb.Helper()
	return h.run(tb, sh, nonce, nil)
}

// RunAs is Run as another user (the caller must be root).
func (h Host) RunAs(tb testing.TB, sh Shell, nonce string, uid, gid uint32) []byte {
	tb.Helper()
	return h.run(tb, sh, nonce, &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}})
}

func (h Host) run(tb testing.TB, sh Shell, nonce string, attr *syscall.SysProcAttr) []byte {
	tb.Helper()
	argv := append(append([]string{}, sh.Argv...), "-s", "--", nonce)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = attr
	cmd.Stdin = bytes.NewReader(collector.Script())
	cmd.Env = []string{"KAUDIT_ROOT=" + h.Root, "PATH=" + h.Bin + ":/usr/bin:/bin", "HOME=/nonexistent"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s: collector script: %v\nstderr:\n%s", sh.Name, err, stderr.Bytes())
	}
	if stderr.Len() > 0 {
		tb.Errorf("%s: collector script wrote to stderr:\n%s", sh.Name, stderr.Bytes())
	}
	return out
}

// The EIO trick of the test fleet: a symlink to /proc/self/mem reads as
// "Input/output error" (offset 0 is never mapped).
const eioTarget = "/proc/self/mem"

// Pod and container ids as in seed 003.
const (
	PodActive   = "pod1f1bdb40-defe-44ad-9138-14f2dbcf3b28"
	PodInactive = "pod64def35b-b44e-410d-9782-745bd47834ca"
	DockerID    = "64bec16ba46d3973a0475cdc55a196381195d69bc73d2248e81a56bce1e12f0d"
)

// ContainersActive are the container ids of PodActive (seed 003's listing).
var ContainersActive = []string{
	"0c97468753e9933793457e90e9964e9ef6493daae048eb0841bae634e6d5d326",
	"1b37f9f78f93546e3e4407f03aa84c92e95c99655467e62814ae17e0a0e68686",
	"a578004f702d7b20d4b08d49c08cbb6c3ef2b3d08a62f087f5c7be0d022d9d9d",
}

// RHEL7Node builds the CentOS 7.4 kubelet + docker node of seed 003 with the
// fragmentation of seed 002: kmem active in kubepods and PodActive's
// containers, inactive (EIO) in PodInactive and docker/, nokmem persisted in
// /etc/default/grub and the default grub.cfg entry but not on the running
// cmdline (reboot pending).
func RHEL7Node(tb testing.TB) Host {
	tb.Helper()
	dir := tb.TempDir()
	h := Host{Root: filepath.Join(dir, "root"), Bin: filepath.Join(dir, "bin")}
	slab := Output(tb, "seed003_kmem_slabinfo.txt")
	slabRoot := Output(tb, "seed003_kmem_slabinfo_kubepods.txt")
	files := map[string]string{
		"/etc/os-release":            CentOS7OSRelease,
		"/etc/redhat-release":        string(Output(tb, "seed003_redhat_release.txt")),
		"/proc/sys/kernel/hostname":  "k8s-node-1\n",
		"/proc/sys/kernel/osrelease": "3.10.0-693.el7.x86_64\n",
		"/proc/version":              "Linux version 3.10.0-693.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-16) (GCC) ) #1 SMP Tue Aug 22 21:09:27 UTC 2017\n",
		"/proc/cmdline":              RHEL7Cmdline + "\n",
		"/etc/default/grub":          RHEL7DefaultGrub,
		"/boot/grub2/grub.cfg":       RHEL7GrubCfg,
		"/boot/grub2/grubenv":        RHEL7Grubenv,
		"/boot/config-3.10.0-693.el7.x86_64": "CONFIG_CGROUP_SCHED=y\n" + string(Output(tb, "seed004_kernel_config.txt")) +
			"CONFIG_CGROUP_HUGETLB=y\n",
		"/proc/self/mounts":                                   RHEL7Mounts,
		"/proc/cgroups":                                       RHEL7ProcCgroups,
		"/proc/meminfo":                                       Seed002Meminfo,
		"/proc/buddyinfo":                                     string(Output(tb, "seed002_buddyinfo_broken.txt")),
		"/sys/kernel/debug/extfrag/extfrag_index":             string(Output(tb, "seed002_extfrag_index.txt")),
		"/proc/sys/vm/extfrag_threshold":                      string(Output(tb, "seed002_extfrag_threshold.txt")),
		"/etc/docker/daemon.json":                             Seed003DaemonJSON,
		"/var/lib/kubelet/config.yaml":                        KubeletConfigYAML,
		"/var/log/messages":                                   string(Output(tb, "seed002_messages.txt")),
		"/sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo": string(slabRoot),
		"/sys/fs/cgroup/memory/kubepods/burstable/" + PodActive + "/memory.kmem.slabinfo": string(slab),
		"/sys/fs/cgroup/memory/system.slice/sshd.service/memory.kmem.slabinfo":            string(slab),
	}
	for _, c := range ContainersActive {
		files["/sys/fs/cgroup/memory/kubepods/burstable/"+PodActive+"/"+c+"/memory.kmem.slabinfo"] = string(slab)
	}
	for p, body := range files {
		WriteFile(tb, h.Root+p, body)
	}
	for _, p := range []string{
		"/sys/fs/cgroup/memory/kubepods/besteffort/" + PodInactive,
		"/sys/fs/cgroup/memory/kubepods/besteffort/" + PodInactive + "/" + ContainersActive[0][:12] + "eio",
		"/sys/fs/cgroup/memory/docker/" + DockerID,
	} {
		Symlink(tb, eioTarget, h.Root+p+"/memory.kmem.slabinfo")
	}
	// A container cgroup without the file (kernel without kmem files).
	Mkdir(tb, h.Root+"/sys/fs/cgroup/memory/kubepods/besteffort/"+PodInactive+"/nokmemfile")
	for _, s := range []string{":0000024", ":0000032", "nf_conntrack_ffff8803eef66180", "sock_inode_cache(158:8aff71103b35)", "kmalloc-64"} {
		Mkdir(tb, h.Root+"/sys/kernel/slab/"+s)
	}
	Stub(tb, h.Bin, "runc", string(Output(tb, "seed003_runc_rc10.txt")), 0)
	Stub(tb, h.Bin, "docker", string(Output(tb, "docker_ce_18.06.1.txt")), 0)
	Stub(tb, h.Bin, "kubelet", string(Output(tb, "kubelet_v1.15.5.txt")), 0)
	Stub(tb, h.Bin, "dmesg", string(Output(tb, "seed000_dmesg.txt"))+string(Output(tb, "seed004_dmesg.txt")), 0)
	return h
}

// WriteFile writes body to path, creating parent directories.
func WriteFile(tb testing.TB, path, body string) {
	tb.Helper()
	Mkdir(tb, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// Mkdir creates path and its parents.
func Mkdir(tb testing.TB, path string) {
	tb.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		tb.Fatal(err)
	}
}

// Symlink creates link → target, creating the link's parent directories.
func Symlink(tb testing.TB, target, link string) {
	tb.Helper()
	Mkdir(tb, filepath.Dir(link))
	if err := os.Symlink(target, link); err != nil {
		tb.Fatal(err)
	}
}

// Stub writes an executable dir/name that prints out and exits with rc. It
// reports "STDIN LEAK" when its stdin is not empty: the collector must give
// every command </dev/null, since its own stdin is the script.
func Stub(tb testing.TB, dir, name, out string, rc int) {
	tb.Helper()
	Mkdir(tb, dir)
	data := filepath.Join(dir, name+".out")
	if err := os.WriteFile(data, []byte(out), 0o644); err != nil {
		tb.Fatal(err)
	}
	script := "#!/bin/sh\nif IFS= read -r x; then echo \"STDIN LEAK: $x\"; fi\n" +
		"while IFS= read -r l || [ -n \"$l\" ]; do printf '%s\\n' \"$l\"; done < '" + data + "'\n" +
		"exit " + strconv.Itoa(rc) + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		tb.Fatal(err)
	}
}
