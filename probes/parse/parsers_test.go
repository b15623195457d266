package parse_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

func out(t testing.TB, name string) []byte { return collectortest.Output(t, name) }

func TestParseOSRelease(t *testing.T) {
	ubuntu := "NAME=\"Ubuntu\"\nVERSION=\"16.04.7 LTS (Xenial Xerus)\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 16.04.7 LTS\"\nVERSION_ID=\"16.04\"\n"
	tests := []struct {
		body string
		want facts.OS
		err  bool
	}{
		{collectortest.CentOS7OSRelease, facts.OS{ID: "centos", IDLike: "rhel fedora", VersionID: "7", PrettyName: "CentOS Linux 7 (Core)"}, false},
		{ubuntu, facts.OS{ID: "ubuntu", IDLike: "debian", VersionID: "16.04", PrettyName: "Ubuntu 16.04.7 LTS"}, false},
		{"ID='rhel'\nVERSION_ID=\"7.9\"\n", facts.OS{ID: "rhel", VersionID: "7.9"}, false},
		{"", facts.OS{}, true},
	}
	for _, tt := range tests {
		got, err := parse.ParseOSRelease([]byte(tt.body))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseOSRelease(%q) = %+v, %v; want %+v, err %v", tt.body, got, err, tt.want, tt.err)
		}
	}
	if rr, err := parse.ParseRedhatRelease(out(t, "seed003_redhat_release.txt")); err != nil || rr != "CentOS Linux release 7.4.1708 (Core)" {
		t.Errorf("ParseRedhatRelease = %q, %v", rr, err)
	}
}

// TestKernelFamilyTable: one row per kernel family of docs/facts.md "Kernel
// families" (release strings as each distribution prints them).
func TestKernelFamilyTable(t *testing.T) {
	tests := []struct{ release, sig, procVersion, family, upstream string }{
		// RHEL 7 and rebuilds (CentOS 7, Oracle Linux 7 RHCK, Scientific Linux 7)
		{"3.10.0-1160.el7.x86_64", "", "", "rhel7", "3.10.0"},
		{"3.10.0-1160.105.1.0.1.el7.x86_64", "", "", "rhel7", "3.10.0"}, // Oracle Linux 7 RHCK
		// RHEL 8/9 and rebuilds (CentOS Stream, Rocky, Alma, Oracle RHCK)
		{"4.18.0-553.el8_10.x86_64", "", "", "rhel", "4.18.0"},
		{"5.14.0-427.13.1.el9_4.x86_64", "", "", "rhel", "5.14.0"},
		// Oracle UEK R3, R4, R5, R6, R7
		{"3.8.13-118.48.1.el7uek.x86_64", "", "", "uek", "3.8.13"},
		{"4.1.12-124.48.6.el7uek.x86_64", "", "", "uek", "4.1.12"},
		{"4.14.35-2047.510.5.el7uek.x86_64", "", "", "uek", "4.14.35"},
		{"5.4.17-2136.300.7.el8uek.x86_64", "", "", "uek", "5.4.17"},
		{"5.15.0-200.131.27.el9uek.x86_64", "", "", "uek", "5.15.0"},
		// Amazon Linux 1, 2, 2023
		{"4.14.355-196.647.amzn1.x86_64", "", "", "amzn", "4.14.355"},
		{"4.14.256-197.484.amzn2.x86_64", "", "", "amzn", "4.14.256"},
		{"5.10.228-219.884.amzn2.x86_64", "", "", "amzn", "5.10.228"},
		{"6.1.115-126.197.amzn2023.x86_64", "", "", "amzn", "6.1.115"},
		// Ubuntu: the signature's upstream version, else the release's base
		{"4.4.0-210-generic", "Ubuntu 4.4.0-210.242-generic 4.4.262", "", "ubuntu", "4.4.262"},
		{"5.4.0-1103-aws", "Ubuntu 5.4.0-1103.111-aws 5.4.233", "", "ubuntu", "5.4.233"},
		{"4.15.0-1113-azure", "", "", "ubuntu", "4.15.0"},
		// Debian: /proc/version carries the upstream point release
		{"3.16.0-11-amd64", "", "Linux version 3.16.0-11-amd64 (debian-kernel@lists.debian.org) (gcc version 4.9.2 (Debian 4.9.2-10+deb8u2) ) #1 SMP Debian 3.16.84-1 (2020-06-09)", "debian", "3.16.84"},
		{"4.19.0-27-amd64", "", "Linux version 4.19.0-27-amd64 (debian-kernel@lists.debian.org) (gcc version 8.3.0 (Debian 8.3.0-6)) #1 SMP Debian 4.19.316-1 (2024-06-25)", "debian", "4.19.316"},
		{"5.10.0-28-amd64", "", "", "debian", "5.10.0"},
		// SUSE: SLES 12 SP5, SLES 15 SP3
		{"4.12.14-122.37-default", "", "", "suse", "4.12.14"},
		{"5.3.18-57-default", "", "", "suse", "5.3.18"},
		// upstream builds
		{"5.4.278-1.el7.elrepo.x86_64", "", "", "upstream", "5.4.278"},
		{"4.9.337", "", "", "upstream", "4.9.337"},
		// unknown families are never guessed
		{"4.19.112+", "", "", "upstream", "4.19.112"},
		{"5.15.0-1025-custom-build", "", "", "unknown", ""},
		{"2.6.32-754.el6.x86_64", "", "", "unknown", ""},
	}
	for _, tt := range tests {
		f, u := facts.KernelFamilyFrom(tt.release, tt.sig, tt.procVersion)
		if f != tt.family || u != tt.upstream {
			t.Errorf("KernelFamilyFrom(%q, %q, %q) = %q, %q; want %q, %q", tt.release, tt.sig, tt.procVersion, f, u, tt.family, tt.upstream)
		}
	}
}

func TestKernelFamily(t *testing.T) {
	// seed 003's uname -a names the release in its third field.
	seedRelease := strings.Fields(string(out(t, "seed003_uname_a.txt")))[2]
	tests := []struct{ release, sig, family, upstream string }{
		{seedRelease, "", "rhel7", "3.10.0"},
		{"3.10.0-862.el7.x86_64", "", "rhel7", "3.10.0"},
		{"3.10.0-1160.119.1.el7.x86_64", "", "rhel7", "3.10.0"},
		{"4.4.0-21-generic", "Ubuntu 4.4.0-21.37-generic 4.4.6", "ubuntu", "4.4.6"},
		{"4.4.0-21-generic", "Ubuntu garbage", "ubuntu", "4.4.0"},
		{"4.6.6-1.el7.elrepo.x86_64", "", "upstream", "4.6.6"},
		{"4.9", "", "upstream", "4.9.0"},
		{"", "", "", ""},
		{"weird", "", "unknown", ""},
	}
	for _, tt := range tests {
		f, u := facts.KernelFamily(tt.release, tt.sig)
		if f != tt.family || u != tt.upstream {
			t.Errorf("facts.KernelFamily(%q, %q) = %q, %q; want %q, %q", tt.release, tt.sig, f, u, tt.family, tt.upstream)
		}
	}
}

func TestParseKernelConfig(t *testing.T) {
	got, err := parse.ParseKernelConfig(out(t, "seed004_kernel_config.txt"))
	want := map[string]string{"CONFIG_MEMCG": "y", "CONFIG_MEMCG_SWAP": "y", "CONFIG_MEMCG_SWAP_ENABLED": "y", "CONFIG_MEMCG_KMEM": "y"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("seed 004: %v, %v", got, err)
	}
	got, _ = parse.ParseKernelConfig([]byte("CONFIG_MEMCG=y\n# CONFIG_MEMCG_KMEM is not set\nCONFIG_SLUB=y\n# CONFIG_DEVKMEM is not set\n"))
	if !reflect.DeepEqual(got, map[string]string{"CONFIG_MEMCG": "y", "CONFIG_MEMCG_KMEM": "n"}) {
		t.Errorf("not set: %v", got)
	}
}

func TestParseCmdline(t *testing.T) {
	tests := []struct {
		body          string
		nokmem, memcg bool
		param, paramV string
		wantErr       bool
	}{
		{collectortest.RHEL7Cmdline + "\n", false, false, "rd.lvm.lv", "centos/swap", false},
		{"ro quiet cgroup.memory=nokmem\n", true, false, "cgroup.memory", "nokmem", false},
		{"ro cgroup.memory=nosocket,nokmem", true, false, "cgroup.memory", "nosocket,nokmem", false},
		{"cgroup.memory=nokmem cgroup.memory=nosocket", true, false, "cgroup.memory", "nosocket", false},
		{"ro cgroup_disable=memory", false, true, "cgroup_disable", "memory", false},
		{`ro acpi_osi="Windows 2009" cgroup_disable=cpu,memory`, false, true, "acpi_osi", "Windows 2009", false},
		{"ro -- cgroup.memory=nokmem", false, false, "ro", "", false},
		{"cgroup.memory=nokmemx", false, false, "cgroup.memory", "nokmemx", false},
		{"  \n", false, false, "", "", true},
	}
	for _, tt := range tests {
		_, params, nk, md, err := parse.ParseCmdline([]byte(tt.body))
		if (err != nil) != tt.wantErr || nk != tt.nokmem || md != tt.memcg || (tt.param != "" && params[tt.param] != tt.paramV) {
			t.Errorf("ParseCmdline(%q) = params %v nokmem %v memcg %v err %v", tt.body, params, nk, md, err)
		}
	}
}

func TestParseDefaultGrub(t *testing.T) {
	args, ok := parse.ParseDefaultGrub([]byte(collectortest.RHEL7DefaultGrub), nil)
	if !ok || args != "crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet cgroup.memory=nokmem" {
		t.Errorf("RHEL7: %q %v", args, ok)
	}
	env := map[string]string{}
	parse.ParseDefaultGrub([]byte("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX=\"\"\n"), env)
	args, ok = parse.ParseDefaultGrub([]byte("# grub.d drop-in\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT cgroup.memory=nokmem\"\n"), env)
	if !ok || args != "quiet splash cgroup.memory=nokmem" {
		t.Errorf("grub.d append: %q %v", args, ok)
	}
	if _, ok := parse.ParseDefaultGrub([]byte("GRUB_TIMEOUT=5\n"), nil); ok {
		t.Error("no GRUB_CMDLINE_LINUX reported as set")
	}
}

const ubuntuGrubCfg = `set default="1>2"
menuentry 'Ubuntu' --class ubuntu $menuentry_id_option 'gnulinux-simple-1234' {
	linux	/boot/vmlinuz-4.4.0-210-generic root=UUID=1234 ro  quiet splash $vt_handoff
}
submenu 'Advanced options for Ubuntu' $menuentry_id_option 'gnulinux-advanced-1234' {
	menuentry 'Ubuntu, with Linux 4.4.0-210-generic' $menuentry_id_option 'gnulinux-4.4.0-210-generic-advanced-1234' {
		linux	/boot/vmlinuz-4.4.0-210-generic root=UUID=1234 ro  quiet splash $vt_handoff
	}
	menuentry 'Ubuntu, with Linux 4.4.0-210-generic (recovery mode)' $menuentry_id_option 'gnulinux-4.4.0-210-generic-recovery-1234' {
		linux	/boot/vmlinuz-4.4.0-210-generic root=UUID=1234 ro recovery nomodeset
	}
	menuentry 'Ubuntu, with Linux 4.4.0-21-generic' $menuentry_id_option 'gnulinux-4.4.0-21-generic-advanced-1234' {
		linux	/boot/vmlinuz-4.4.0-21-generic root=UUID=1234 ro  quiet splash cgroup.memory=nokmem $vt_handoff
	}
}
menuentry 'Memory test (memtest86+)' {
	linux16	/boot/memtest86+.elf
}
`

func TestParseGrubCfg(t *testing.T) {
	rhel, err := parse.ParseGrubCfg([]byte(collectortest.RHEL7GrubCfg))
	if err != nil || len(rhel.Entries) != 2 || rhel.Default != "${saved_entry}" {
		t.Fatalf("RHEL7: %+v %v", rhel, err)
	}
	if rhel.Entries[1].ID != "gnulinux-3.10.0-693.el7.x86_64-advanced-8c3b4e5c" || rhel.Entries[1].Kernel != "/vmlinuz-3.10.0-693.el7.x86_64" {
		t.Errorf("RHEL7 entry: %+v", rhel.Entries[1])
	}
	ub, err := parse.ParseGrubCfg([]byte(ubuntuGrubCfg))
	if err != nil || len(ub.Entries) != 5 {
		t.Fatalf("ubuntu: %+v %v", ub, err)
	}
	var paths []string
	for _, e := range ub.Entries {
		paths = append(paths, e.Path)
	}
	if strings.Join(paths, " ") != "0 1>0 1>1 1>2 2" {
		t.Errorf("ubuntu paths %v", paths)
	}
	env, err := parse.ParseGrubenv([]byte(collectortest.RHEL7Grubenv))
	if err != nil || env.SavedEntry != "CentOS Linux (3.10.0-693.el7.x86_64) 7 (Core)" {
		t.Fatalf("grubenv %+v %v", env, err)
	}
	tests := []struct {
		cfg      parse.GrubCfg
		saved    string
		grubenv  bool
		idx      int
		resolved bool
	}{
		{rhel, env.SavedEntry, true, 1, true},
		{rhel, "gnulinux-3.10.0-514.el7.x86_64-advanced-8c3b4e5c", true, 0, true},
		{rhel, "", true, 0, true},   // empty saved_entry: entry 0
		{rhel, "", false, 0, false}, // grubenv unread: unclear
		{rhel, "CentOS Linux (gone)", true, 0, false},
		{ub, "", false, 3, true}, // set default="1>2"
	}
	for i, tt := range tests {
		idx, ok := tt.cfg.DefaultIndex(tt.saved, tt.grubenv)
		if idx != tt.idx || ok != tt.resolved {
			t.Errorf("case %d: DefaultIndex = %d, %v; want %d, %v", i, idx, ok, tt.idx, tt.resolved)
		}
	}
	if _, err := parse.ParseGrubCfg([]byte("hello\n")); err == nil {
		t.Error("garbage grub.cfg parsed")
	}
	if c, err := parse.ParseGrubCfg([]byte("set default=\"${saved_entry}\"\nblscfg\n")); err != nil || len(c.Entries) != 0 {
		t.Errorf("blscfg stub: %+v %v", c, err)
	}
}

func TestParseBLS(t *testing.T) {
	body := "title Red Hat Enterprise Linux (4.18.0-305.el8.x86_64) 8.4 (Ootpa)\nversion 4.18.0-305.el8.x86_64\nlinux /vmlinuz-4.18.0-305.el8.x86_64\ninitrd /initramfs-4.18.0-305.el8.x86_64.img $tuned_initrd\noptions $kernelopts $tuned_params\nid rhel-20210429130346-4.18.0-305.el8.x86_64\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n"
	e, err := parse.ParseBLS("/boot/loader/entries/abc-4.18.0-305.el8.x86_64.conf", []byte(body))
	if err != nil || e.ID != "abc-4.18.0-305.el8.x86_64" || e.Version != "4.18.0-305.el8.x86_64" || e.Options != "$kernelopts $tuned_params" {
		t.Fatalf("%+v %v", e, err)
	}
	env, _ := parse.ParseGrubenv([]byte("# GRUB Environment Block\nsaved_entry=abc-4.18.0-305.el8.x86_64\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto cgroup.memory=nokmem \n####"))
	got, ok := parse.ExpandKernelopts(e.Options, env)
	if !ok || got != "root=/dev/mapper/rhel-root ro crashkernel=auto cgroup.memory=nokmem  $tuned_params" {
		t.Errorf("expanded %q %v", got, ok)
	}
	if _, ok := parse.ExpandKernelopts(e.Options, parse.Grubenv{}); ok {
		t.Error("expanded without kernelopts")
	}
}

func TestParseGrubby(t *testing.T) {
	body := "index=0\nkernel=/boot/vmlinuz-3.10.0-1160.el7.x86_64\nargs=\"ro crashkernel=auto rhgb quiet LANG=en_US.UTF-8 cgroup.memory=nokmem\"\nroot=/dev/mapper/centos-root\ninitrd=/boot/initramfs-3.10.0-1160.el7.x86_64.img\ntitle=CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)\n"
	g, err := parse.ParseGrubby([]byte(body))
	if err != nil || g.Args != "ro crashkernel=auto rhgb quiet LANG=en_US.UTF-8 cgroup.memory=nokmem" || g.Title != "CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)" {
		t.Errorf("%+v %v", g, err)
	}
	if _, err := parse.ParseGrubby([]byte("grubby fatal error: unable to find a suitable template\n")); err == nil {
		t.Error("error output parsed")
	}
}

func TestParseMountsAndMode(t *testing.T) {
	tests := []struct {
		body     string
		mode     string
		memV1    bool
		memMount string
	}{
		{collectortest.RHEL7Mounts, "v1", true, "/sys/fs/cgroup/memory"},
		{"cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0\n", "hybrid", true, "/sys/fs/cgroup/memory"},
		{"cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n", "v2", false, ""},
		{"cgroup /sys/fs/cgroup/systemd cgroup rw,name=systemd 0 0\n", "v1", false, ""},
		{`cgroup /sys/fs/cgroup/my\040mem cgroup rw,memory 0 0`, "v1", true, "/sys/fs/cgroup/my mem"},
		{"", "", false, ""},
	}
	for _, tt := range tests {
		m, err := parse.ParseMounts([]byte(tt.body))
		if err != nil || parse.CgroupMode(m) != tt.mode || m.MemoryV1 != tt.memV1 || m.MemoryMount != tt.memMount {
			t.Errorf("%q: %+v mode %q err %v", tt.body, m, parse.CgroupMode(m), err)
		}
	}
}

func TestParseProcCgroups(t *testing.T) {
	for file, n := range map[string]int{"seed003_proc_cgroups_grep.txt": 87, "seed003_proc_cgroups_grep_full.txt": 65513} {
		c, err := parse.ParseProcCgroups(out(t, file))
		if err != nil || len(c) != 1 || c[0] != (facts.CgroupController{Name: "memory", Hierarchy: 8, NumCgroups: n, Enabled: true}) {
			t.Errorf("%s: %+v %v", file, c, err)
		}
	}
	if _, err := parse.ParseProcCgroups([]byte("#subsys_name\thierarchy\tnum_cgroups\tenabled\n")); err == nil {
		t.Error("header only parsed")
	}
	if _, err := parse.ParseProcCgroups([]byte("memory 8 lots 1\n")); err == nil {
		t.Error("bad row parsed")
	}
}

func TestParseMemcgDirs(t *testing.T) {
	tests := []struct {
		body  string
		count int // -1 = nil
		rc    int
		err   bool
	}{
		{"rc 0\n15\n", 15, 0, false},
		{"find: '/sys/fs/cgroup/memory/x': Permission denied\nrc 1\n10\n", -1, 1, false},
		{"rc 124\n3\n", -1, 124, false},
		{"12\n", -1, -1, true},
		{"rc 0\nmany\n", -1, 0, true},
	}
	for _, tt := range tests {
		n, rc, _, err := parse.ParseMemcgDirs([]byte(tt.body))
		got := -1
		if n != nil {
			got = *n
		}
		if got != tt.count || rc != tt.rc || (err != nil) != tt.err {
			t.Errorf("%q: %d %d %v", tt.body, got, rc, err)
		}
	}
}

func TestParseKmem(t *testing.T) {
	body := "root\t/sys/fs/cgroup/memory\nfound\tkubepods\t1\n" +
		"cg\tkubepods\t/sys/fs/cgroup/memory/kubepods\tunread\t\n" +
		"cg\tpod\t/sys/fs/cgroup/memory/kubepods/podA\tread\t" + strings.SplitN(string(out(t, "seed003_kmem_slabinfo.txt")), "\n", 2)[0] + "\n" +
		"cg\tcontainer\t/sys/fs/cgroup/memory/kubepods/podA/c1\tunread\t\n" +
		"cg\tcontainer\t/sys/fs/cgroup/memory/kubepods/podA/c2\tread\tgarbage\n" +
		"cg\tdocker\t/sys/fs/cgroup/memory/docker/d1\tunread\t\n" +
		"cg\tdocker\t/sys/fs/cgroup/memory/docker/d2\tunread\t\n" +
		"found\tpod\t7\nfound\tcontainer\t20\nfound\tdocker\t2\nfound\tsystem_slice\t0\n" +
		"err\thead: error reading '/sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo': Input/output error\n" +
		"err\thead: /sys/fs/cgroup/memory/kubepods/podA/c1/memory.kmem.slabinfo: Input/output error\n" +
		"err\thead: cannot open '/sys/fs/cgroup/memory/docker/d1/memory.kmem.slabinfo' for reading: Permission denied\n"
	k, err := parse.ParseKmem([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if k.Kubepods == nil || k.Kubepods.State != "inactive" {
		t.Errorf("kubepods %+v", k.Kubepods)
	}
	var states []string
	for _, c := range k.Containers {
		states = append(states, c.Kind+":"+c.State)
	}
	if strings.Join(states, " ") != "pod:active container:inactive container:error docker:error docker:error" {
		t.Errorf("states %v", states)
	}
	if k.Containers[3].Error == "" || !strings.Contains(k.Containers[3].Error, "Permission denied") || k.Containers[4].Error != "nothing read (empty file)" {
		t.Errorf("errors %+v", k.Containers[3:])
	}
	if k.ContainersFound != 29 || k.ContainersSampled != 5 || k.ContainersActive != 1 || k.ContainersInactive != 1 || k.ContainersError != 3 {
		t.Errorf("counts %+v", k)
	}
	if _, err := parse.ParseKmem([]byte("no cgroup v1 memory mount")); err == nil {
		t.Error("no root line parsed")
	}
}

func TestParseMemory(t *testing.T) {
	broken, err := parse.ParseBuddyinfo(out(t, "seed002_buddyinfo_broken.txt"))
	if err != nil || len(broken) != 3 || !reflect.DeepEqual(broken[2], facts.BuddyZone{Node: 0, Zone: "Normal", Free: []int64{40153, 12774, 302, 17, 0, 0, 0, 0, 0, 0, 0}}) {
		t.Errorf("broken: %+v %v", broken, err)
	}
	healthy, err := parse.ParseBuddyinfo(out(t, "seed002_buddyinfo_healthy.txt"))
	if err != nil || healthy[1].Zone != "DMA32" || healthy[1].Free[5] != 533 || healthy[2].Free[8] != 12 {
		t.Errorf("healthy: %+v %v", healthy, err)
	}
	ef, err := parse.ParseExtfragIndex(out(t, "seed002_extfrag_index.txt"))
	if err != nil || len(ef) != 3 || ef[2].Index[7] != 0.990 || ef[0].Index[0] != -1 {
		t.Errorf("extfrag: %+v %v", ef, err)
	}
	th, err := parse.ParseInt(out(t, "seed002_extfrag_threshold.txt"))
	if err != nil || *th != 500 {
		t.Errorf("threshold %v %v", th, err)
	}
	mi, err := parse.ParseMeminfo([]byte(collectortest.Seed002Meminfo))
	if err != nil || mi["Slab"] != 14576892 || mi["HugePages_Total"] != 0 {
		t.Errorf("meminfo %v %v", mi, err)
	}
	for _, bad := range []string{"", "Node 0, zone Normal 1 x 3\n"} {
		if _, err := parse.ParseBuddyinfo([]byte(bad)); err == nil {
			t.Errorf("buddyinfo %q parsed", bad)
		}
	}
	if _, err := parse.ParseExtfragIndex([]byte("Node 0, zone DMA NaN\n")); err == nil {
		t.Error("NaN extfrag parsed")
	}
}

func TestParseRuntimes(t *testing.T) {
	tests := []struct {
		name    string
		parse   func(string, []byte) (facts.Binary, error)
		source  string
		body    string
		version string
		commit  string
		flavor  string
		err     bool
	}{
		{"runc rc10", parse.ParseRunc, "/usr/local/sbin/runc --version", string(out(t, "seed003_runc_rc10.txt")), "1.0.0-rc10", "dc9208a3303feef5b3839f4323d9beb36df0a9dd", "upstream", false},
		{"runc debian", parse.ParseRunc, "/usr/bin/runc --version", string(out(t, "runc_debian_1.1.5.txt")), "1.1.5+ds1", "1.1.5+ds1-1+deb12u1", "debian", false},
		{"docker-runc-current", parse.ParseRunc, "/usr/libexec/docker/docker-runc-current --version", "runc version 1.0.0-rc2\ncommit: 66aedde759f33c190954815fb765eedc1d782dd9\nspec: 1.0.0-rc2-dev\n", "1.0.0-rc2", "66aedde759f33c190954815fb765eedc1d782dd9", "projectatomic", false},
		{"runc garbage", parse.ParseRunc, "/usr/bin/runc --version", "Segmentation fault\n", "", "", "upstream", true},
		{"docker ce", parse.ParseDocker, "/usr/bin/docker --version", string(out(t, "docker_ce_18.06.1.txt")), "18.06.1-ce", "e68fc7a", "", false},
		{"docker rhel", parse.ParseDocker, "/usr/bin/docker --version", string(out(t, "docker_rhel_1.13.1.txt")), "1.13.1", "07f3374", "", false},
		{"docker garbage", parse.ParseDocker, "/usr/bin/docker --version", "Cannot connect to the Docker daemon\n", "", "", "", true},
		{"containerd", parse.ParseContainerd, "/usr/bin/containerd --version", "containerd containerd.io 1.6.21 3dce8eb055cbb6872793272b4f20ed16117344f8\n", "1.6.21", "3dce8eb055cbb6872793272b4f20ed16117344f8", "", false},
		{"kubelet", parse.ParseKubelet, "/usr/bin/kubelet --version", string(out(t, "kubelet_v1.15.5.txt")), "v1.15.5", "", "", false},
		{"kubelet garbage", parse.ParseKubelet, "/usr/bin/kubelet --version", "Kubernetes\n", "", "", "", true},
	}
	for _, tt := range tests {
		b, err := tt.parse(tt.source, []byte(tt.body))
		if (err != nil) != tt.err || b.Version != tt.version || b.Commit != tt.commit || b.Flavor != tt.flavor || b.Raw == "" {
			t.Errorf("%s: %+v, %v", tt.name, b, err)
		}
	}
	if b, _ := parse.ParseRunc("/usr/libexec/docker/docker-runc-current --version", nil); b.Name != "docker-runc-current" || b.Path != "/usr/libexec/docker/docker-runc-current" {
		t.Errorf("name/path %+v", b)
	}
}

func TestParseDrivers(t *testing.T) {
	tests := []struct {
		body     string
		driver   string
		fromFlag bool
	}{
		{"cgroupDriver: systemd\n", "systemd", false},
		{"cgroupDriver: \"cgroupfs\"\n", "cgroupfs", false},
		{"KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni\"\n", "systemd", true},
		{"# --cgroup-driver=systemd\n", "", false},
		{"cgroupDriver: weird\n", "", false},
	}
	for _, tt := range tests {
		d, f := parse.ParseKubeletDriver([]byte(tt.body))
		if d != tt.driver || f != tt.fromFlag {
			t.Errorf("%q: %q %v", tt.body, d, f)
		}
	}
	if d, err := parse.ParseDockerDaemon([]byte(collectortest.Seed003DaemonJSON)); err != nil || d != "systemd" {
		t.Errorf("daemon.json: %q %v", d, err)
	}
	if d, err := parse.ParseDockerDaemon([]byte(`{"storage-driver":"overlay2"}`)); err != nil || d != "" {
		t.Errorf("daemon.json without exec-opts: %q %v", d, err)
	}
	if _, err := parse.ParseDockerDaemon([]byte(`{"exec-opts": [`)); err == nil {
		t.Error("broken daemon.json parsed")
	}
}

func TestParseKernelLogAwk(t *testing.T) {
	body := "rc 0\nlines 335\nbytes 67108864\ncount slub_alloc_fail 3\nlatest slub_alloc_fail SLUB: Unable to allocate memory on node -1 (gfp=0xd0)\n" +
		"count unknown_sig 4\nlatest unknown_sig x\nlatest memcg_oom y\n"
	r, err := parse.ParseKernelLog([]byte(body))
	if err != nil || r.RC != 0 || !r.Truncated || len(r.Signatures) != 1 || r.Signatures[facts.SigSlubAlloc].Count != 3 {
		t.Errorf("%+v %v", r, err)
	}
	r, err = parse.ParseKernelLog([]byte("rc 1\nlines 1\nbytes 60\nerr dmesg: read kernel buffer failed: Operation not permitted\n"))
	if err != nil || r.RC != 1 || r.Message != "dmesg: read kernel buffer failed: Operation not permitted" || parse.ErrorClass(r.Message) != facts.ErrPermission {
		t.Errorf("%+v %v", r, err)
	}
	if _, err := parse.ParseKernelLog([]byte("count slub_alloc_fail 3\n")); err == nil {
		t.Error("no rc line parsed")
	}
}

func TestLongAndInvalidStrings(t *testing.T) {
	long := strings.Repeat("é", 2000) + "\xff\xfe"
	b, _ := parse.ParseRunc("/usr/bin/runc --version", []byte("runc version "+long+"\n"+long))
	if len(b.Raw) > parse.MaxRaw || len(b.Version) > parse.MaxValue || !strings.HasPrefix(b.Version, "é") {
		t.Errorf("raw %d version %d", len(b.Raw), len(b.Version))
	}
	r, _ := parse.ParseKernelLog([]byte("rc 0\ncount soft_lockup 1\nlatest soft_lockup " + long + "\n"))
	l := r.Signatures[facts.SigSoftLockup].Latest
	if len(l) > parse.MaxLatest || !strings.HasPrefix(l, "é") {
		t.Errorf("latest %d bytes", len(l))
	}
	h, _ := parse.ParseOneLine([]byte("host\xffname\n"))
	if h != "host\uFFFDname" {
		t.Errorf("invalid UTF-8 kept: %q", h)
	}
}

// TestRHELDockerRunc: docker-ce's bundled docker-runc (seed 000: Docker
// 18.06.1-ce, runc 1.0.0-rc5+dev) is upstream runc; only next to RHEL's
// docker 1.13.1 is a plain docker-runc the projectatomic fork.
func TestRHELDockerRunc(t *testing.T) {
	seed000, _ := parse.ParseRunc("/usr/bin/docker-runc --version", []byte("runc version 1.0.0-rc5+dev\ncommit: 69663f0bd4b60df09991c08812a60108003fa340\nspec: 1.0.0\n"))
	tests := []struct {
		name   string
		docker *facts.Binary
		want   string
	}{
		{"docker-ce 18.06.1-ce", &facts.Binary{Name: "docker", Version: "18.06.1-ce"}, facts.FlavorUpstream},
		{"RHEL docker 1.13.1", &facts.Binary{Name: "docker", Version: "1.13.1"}, facts.FlavorProjectAtomic},
		{"no docker", nil, facts.FlavorUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runcs := []facts.Binary{seed000}
			parse.RHELDockerRunc(runcs, tt.docker)
			if runcs[0].Flavor != tt.want {
				t.Errorf("flavor = %q, want %q", runcs[0].Flavor, tt.want)
			}
		})
	}
}
