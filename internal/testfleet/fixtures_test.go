package testfleet

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const fleetDir = "../../testdata/fleet"

// The host names are stable IDs used by goldens: renaming one is a breaking
// change of the fixture set.
var wantHosts = []string{
	"amzn2-eks121", "fault-changed-key", "fault-hostile", "fault-refuses-key", "fault-sudo-password",
	"fault-tarpit", "fault-unknown-key", "nokmem-fixed", "reboot-pending",
	"seed000-centos75", "seed001-memcg-oom", "seed002-nfconn", "seed003-centos78",
	"seed003-fixed", "seed004-kmem-usage", "ubuntu2204-v2", "vm-noruntime",
}

func loadTestFixtures(t *testing.T) map[string]*Fixture {
	t.Helper()
	fx, err := LoadFixtures(fleetDir)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func TestFixtureNames(t *testing.T) {
	got := HostNames(loadTestFixtures(t))
	if !slices.Equal(got, wantHosts) {
		t.Errorf("hosts = %q\nwant %q", got, wantHosts)
	}
}

// testBuilder builds trees without the machine's programs, device nodes or
// chown: what a non-root test can do.
func testBuilder(all map[string]*Fixture) *builder {
	dir, _ := filepath.Abs(fleetDir)
	return &builder{fleetDir: dir, fixtures: all, user: account{Name: "kaudit", UID: 4242, GID: 4242, Home: "/home/kaudit"}}
}

// buildUnprivileged builds a fixture tree without the machine's programs and
// without device nodes: enough to check the files a collector would read.
func buildUnprivileged(t *testing.T, all map[string]*Fixture, name string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), name)
	if err := testBuilder(all).buildHost(all[name], root); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestFixtureExpectations builds every fixture and checks its expect block
// against what the tree really holds, so a reviewer can trust host.hcl.
func TestFixtureExpectations(t *testing.T) {
	all := loadTestFixtures(t)
	for _, name := range HostNames(all) {
		fx := all[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			root := buildUnprivileged(t, all, name)
			checkExpect(t, root, &fx.Manifest.Expect, fx.Manifest.Fault == FaultHostile)
		})
	}
}

func readRoot(t *testing.T, root, p string) string {
	t.Helper()
	data, err := os.ReadFile(inRoot(root, p))
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(data)
}

func osReleaseField(content, key string) string {
	for _, l := range strings.Split(content, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func checkExpect(t *testing.T, root string, e *Expect, hostile bool) {
	t.Helper()
	if e.Hostname != "" {
		if got := strings.TrimSpace(readRoot(t, root, "/proc/sys/kernel/hostname")); got != e.Hostname {
			t.Errorf("hostname = %q, want %q", got, e.Hostname)
		}
		if got := strings.TrimSpace(readRoot(t, root, "/etc/hostname")); got != e.Hostname {
			t.Errorf("/etc/hostname = %q, want %q", got, e.Hostname)
		}
	}
	for key, want := range map[string]string{"ID": e.OSID, "VERSION_ID": e.OSVersionID, "PRETTY_NAME": e.PrettyName} {
		if want == "" {
			continue
		}
		if osr := readRoot(t, root, "/etc/os-release"); osReleaseField(osr, key) != want {
			t.Errorf("os-release %s = %q, want %q", key, osReleaseField(osr, key), want)
		}
	}
	if e.RedhatRelease != "" {
		if got := strings.TrimSpace(readRoot(t, root, "/etc/redhat-release")); got != e.RedhatRelease {
			t.Errorf("redhat-release = %q, want %q", got, e.RedhatRelease)
		}
	}
	if e.KernelRelease != "" {
		rel := strings.TrimSpace(readRoot(t, root, "/proc/sys/kernel/osrelease"))
		if rel != e.KernelRelease {
			t.Errorf("osrelease = %q, want %q", rel, e.KernelRelease)
		}
		if !strings.HasPrefix(readRoot(t, root, "/proc/version"), "Linux version "+rel+" ") {
			t.Errorf("/proc/version does not name %s", rel)
		}
		if !hostile && !strings.Contains(readRoot(t, root, "/proc/cmdline"), "vmlinuz-"+rel+" ") {
			t.Errorf("/proc/cmdline does not boot %s", rel)
		}
		cfg := readRoot(t, root, "/boot/config-"+rel)
		if !strings.Contains(cfg, "\nCONFIG_MEMCG_KMEM=y\n") {
			t.Errorf("/boot/config-%s lacks CONFIG_MEMCG_KMEM=y", rel)
		}
	}
	if e.NokmemRunning != nil {
		got := strings.Contains(readRoot(t, root, "/proc/cmdline"), "cgroup.memory=nokmem")
		if got != *e.NokmemRunning {
			t.Errorf("nokmem on cmdline = %v, want %v", got, *e.NokmemRunning)
		}
	}
	if e.NokmemPersisted != nil {
		for _, p := range []string{"/etc/default/grub", "/boot/grub2/grub.cfg"} {
			if got := strings.Contains(readRoot(t, root, p), "cgroup.memory=nokmem"); got != *e.NokmemPersisted {
				t.Errorf("nokmem in %s = %v, want %v", p, got, *e.NokmemPersisted)
			}
		}
	}
	if e.CgroupMode != "" {
		mounts := readRoot(t, root, "/proc/self/mounts")
		v1 := strings.Contains(mounts, " /sys/fs/cgroup/memory cgroup ")
		_, err := os.Stat(inRoot(root, "/sys/fs/cgroup/cgroup.controllers"))
		v2 := err == nil && strings.Contains(mounts, " /sys/fs/cgroup cgroup2 ")
		got := map[[2]bool]string{{true, false}: "v1", {false, true}: "v2", {true, true}: "hybrid"}[[2]bool{v1, v2}]
		if got != e.CgroupMode {
			t.Errorf("cgroup mode = %q, want %q", got, e.CgroupMode)
		}
	}
	if e.MemcgNumCgroups != nil {
		if got := memoryNumCgroups(t, readRoot(t, root, "/proc/cgroups")); got != *e.MemcgNumCgroups {
			t.Errorf("/proc/cgroups memory num_cgroups = %d, want %d", got, *e.MemcgNumCgroups)
		}
	}
	if e.MemcgDirs != nil {
		if got := countDirs(t, inRoot(root, memcgMount)); got != *e.MemcgDirs {
			t.Errorf("memory cgroup directories = %d, want %d", got, *e.MemcgDirs)
		}
	}
	if e.SlabEntries != nil {
		entries, err := os.ReadDir(inRoot(root, "/sys/kernel/slab"))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != *e.SlabEntries {
			t.Errorf("/sys/kernel/slab entries = %d, want %d", len(entries), *e.SlabEntries)
		}
	}
	if e.KubepodsKmem != "" {
		state := "absent"
		for _, d := range []string{"kubepods", "kubepods.slice"} {
			if s := slabinfoState(t, filepath.Join(inRoot(root, memcgMount), d, "memory.kmem.slabinfo")); s != "absent" {
				state = s
			}
		}
		if state != e.KubepodsKmem {
			t.Errorf("kubepods kmem = %q, want %q", state, e.KubepodsKmem)
		}
	}
	if e.ContainersKmem != "" {
		if got := containersKmem(t, inRoot(root, memcgMount)); got != e.ContainersKmem {
			t.Errorf("containers kmem = %q, want %q", got, e.ContainersKmem)
		}
	}
	if e.Runc != nil {
		if got := runcVersions(t, root); !slices.Equal(got, e.Runc) {
			t.Errorf("runc = %q, want %q", got, e.Runc)
		}
	}
	for name, want := range map[string]string{"docker": e.Docker, "containerd": e.Containerd, "kubelet": e.Kubelet} {
		if want == "" {
			continue
		}
		out := runStub(t, root, name, "--version")
		if !regexp.MustCompile(`(^|[ v])` + regexp.QuoteMeta(strings.TrimPrefix(want, "v")) + `([ ,]|$)`).MatchString(strings.SplitN(out, "\n", 2)[0]) {
			t.Errorf("%s --version = %q, want version %s", name, out, want)
		}
	}
	if e.KubeletCgroupDriver != "" {
		cfg := readRoot(t, root, "/var/lib/kubelet/config.yaml")
		if !strings.Contains(cfg, "\ncgroupDriver: "+e.KubeletCgroupDriver+"\n") {
			t.Errorf("kubelet config.yaml lacks cgroupDriver: %s", e.KubeletCgroupDriver)
		}
	}
	if e.DockerCgroupDriver != "" {
		cfg := readRoot(t, root, "/etc/docker/daemon.json")
		if !strings.Contains(cfg, `"native.cgroupdriver=`+e.DockerCgroupDriver+`"`) {
			t.Errorf("daemon.json lacks native.cgroupdriver=%s", e.DockerCgroupDriver)
		}
	}
}

func memoryNumCgroups(t *testing.T, content string) int {
	t.Helper()
	for _, l := range strings.Split(content, "\n") {
		f := strings.Fields(l)
		if len(f) == 4 && f[0] == "memory" {
			n, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no memory row in /proc/cgroups")
	return 0
}

func countDirs(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// slabinfoState: "active" (a regular file with the slabinfo header),
// "inactive" (the EIO symlink), "absent".
func slabinfoState(t *testing.T, p string) string {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		return "absent"
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		if target, _ := os.Readlink(p); target == eioTarget {
			return "inactive"
		}
		t.Fatalf("%s: unexpected symlink", p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("slabinfo - version: 2.1\n")) {
		t.Fatalf("%s: no slabinfo header", p)
	}
	return "active"
}

// containersKmem: "none" without container cgroups, else the common state
// of all of them ("mixed" when they differ).
func containersKmem(t *testing.T, mount string) string {
	t.Helper()
	re := regexp.MustCompile(`(^|/)(docker-)?[0-9a-f]{64}(\.scope)?$`)
	states := map[string]bool{}
	_ = filepath.WalkDir(mount, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && re.MatchString(p) {
			states[slabinfoState(t, filepath.Join(p, "memory.kmem.slabinfo"))] = true
		}
		return nil
	})
	switch len(states) {
	case 0:
		return "none"
	case 1:
		for s := range states {
			return s
		}
	}
	return "mixed"
}

func findStub(root, name string) string {
	for _, d := range append(slices.Clone(pathDirs), "usr/libexec/docker") {
		p := filepath.Join(root, d, name)
		if info, err := os.Lstat(p); err == nil && info.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

func runStub(t *testing.T, root, name string, args ...string) string {
	t.Helper()
	p := findStub(root, name)
	if p == "" {
		t.Fatalf("no %s stub", name)
	}
	out, err := exec.Command("/bin/sh", append([]string{p}, args...)...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

// runcVersions lists "<name> <version>" for every runc build in the tree.
func runcVersions(t *testing.T, root string) []string {
	t.Helper()
	out := []string{}
	for _, name := range []string{"runc", "docker-runc", "docker-runc-current"} {
		if findStub(root, name) == "" {
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(runStub(t, root, name, "--version")))
		sc.Scan()
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] != "runc" || f[1] != "version" {
			t.Fatalf("%s --version: first line %q", name, sc.Text())
		}
		out = append(out, name+" "+f[2])
	}
	return out
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`plain`, "plain", false},
		{`a\x1b[0mb`, "a\x1b[0mb", false},
		{`\xff\xfe\x01\x0b`, "\xff\xfe\x01\x0b", false},
		{`back\\slash`, `back\slash`, false},
		{`bad\q`, "", true},
		{`short\x1`, "", true},
	}
	for _, tt := range tests {
		got, err := unescape(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("unescape(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && string(got) != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
