package sosreport

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/sosreport/sostest"
)

const fleet = "../../testdata/fleet"

// tarGz builds a .tar.gz from raw headers (hostile shapes sostest never writes).
func tarGz(t testing.TB, members []tar.Header, bodies map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, h := range members {
		body := bodies[h.Name]
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(body)); err != nil && !strings.Contains(err.Error(), "write too long") {
				t.Fatal(err)
			}
		}
	}
	tw.Flush()
	gz.Close()
	return b.Bytes()
}

func reg(name string) tar.Header { return tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644} }

func TestHostileArchives(t *testing.T) {
	lim := DefaultLimits()
	tests := []struct {
		name    string
		members []tar.Header
		bodies  map[string]string
		lim     func(*Limits)
		want    string
	}{
		{"path traversal", []tar.Header{reg("sos/proc/cmdline"), reg("sos/../../etc/passwd")}, nil, nil, "path traversal"},
		{"absolute member", []tar.Header{reg("/etc/passwd")}, nil, nil, "absolute or unsafe path"},
		{"second top directory", []tar.Header{reg("sos/proc/cmdline"), reg("other/proc/cmdline")}, nil, nil, "outside the report's directory"},
		{"symlink out of the tree", []tar.Header{reg("sos/proc/version"), {Name: "sos/proc/cmdline", Typeflag: tar.TypeSymlink, Linkname: "../../../etc/shadow"}}, nil, nil, "points outside the report"},
		{"absolute symlink", []tar.Header{{Name: "sos/etc/os-release", Typeflag: tar.TypeSymlink, Linkname: "/etc/os-release"}}, nil, nil, "points outside the report"},
		{"hard link out of the tree", []tar.Header{{Name: "sos/etc/os-release", Typeflag: tar.TypeLink, Linkname: "../x"}}, nil, nil, "path traversal"},
		{"huge member", []tar.Header{{Name: "sos/var/log/messages", Typeflag: tar.TypeReg, Size: 3 << 30}}, nil, nil, "declares"},
		{"expands beyond the limit", []tar.Header{reg("sos/a"), reg("sos/b")}, map[string]string{"sos/a": strings.Repeat("x", 4096), "sos/b": strings.Repeat("y", 4096)}, func(l *Limits) { l.ArchiveMax = 4096 }, "expands beyond"},
		{"too many members", []tar.Header{reg("sos/a"), reg("sos/b"), reg("sos/c")}, nil, func(l *Limits) { l.Members = 2 }, "more than 2 members"},
		{"empty", nil, nil, nil, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := lim
			if tc.lim != nil {
				tc.lim(&l)
			}
			_, err := ReadArchive(bytes.NewReader(tarGz(t, tc.members, tc.bodies)), l)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCorruptArchives(t *testing.T) {
	files, links, err := sostest.Files(fleet, sostest.Seeds()[3], sostest.Sos4)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, kind := range []string{"xz", "gz"} {
		p, err := sostest.WriteArchive(dir, "sosreport-x", kind, files, links)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		for _, cut := range []int{len(b) / 3, len(b) - 8} {
			if _, err := ReadArchive(bytes.NewReader(b[:cut]), DefaultLimits()); err == nil {
				t.Errorf("%s cut at %d of %d: no error", kind, cut, len(b))
			}
		}
		flip := bytes.Clone(b)
		flip[len(flip)/2] ^= 0xff
		if _, err := ReadArchive(bytes.NewReader(flip), DefaultLimits()); err == nil {
			t.Errorf("%s with a flipped byte: no error", kind)
		}
	}
	if _, err := ReadArchive(strings.NewReader("just text"), DefaultLimits()); err == nil || !strings.Contains(err.Error(), "not a .tar.xz") {
		t.Errorf("plain text: %v", err)
	}
}

func TestDirSymlinkOutOfTree(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "sosreport-x")
	os.MkdirAll(filepath.Join(root, "proc"), 0o755)
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "proc", "cmdline")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, DefaultLimits()); err == nil || !strings.Contains(err.Error(), "points outside the report") {
		t.Fatalf("err = %v", err)
	}
}

// TestSeedReports: every seed's sosreport, in both layouts and all forms,
// gives the facts its SSH fixture's host.hcl expects.
func TestSeedReports(t *testing.T) {
	want := map[string]struct {
		host, release, runc, docker, kubelet, logSource string
		sigs                                            []string
		numCgroups                                      int
	}{
		"seed000-centos75":   {"k8s-node-03", "3.10.0-862.el7.x86_64", "", "18.06.1-ce", "v1.12.3", "dmesg", []string{facts.SigSlubAlloc, facts.SigSoftLockup, facts.SigNoSockets}, 0},
		"seed002-nfconn":     {"slave-138", "3.10.0-514.el7.x86_64", "", "1.13.1", "v1.9.11", "/var/log/messages", []string{facts.SigPageAlloc, facts.SigNfConntrack, facts.SigOCIAlloc}, 0},
		"seed003-centos78":   {"82.174-zh", "3.10.0-1127.el7.x86_64", "1.0.0-rc10", "19.03.14", "v1.15.5", "dmesg", nil, 65513},
		"seed004-kmem-usage": {"", "", "", "19.03.2", "v1.17.4", "dmesg", []string{facts.SigSlubAlloc, facts.SigKmemUsage, facts.SigMemcgOOM}, 0},
	}
	dir := t.TempDir()
	for _, h := range sostest.Seeds() {
		w, ok := want[h.Fixture]
		if !ok {
			continue
		}
		for _, layout := range []sostest.Layout{sostest.Sos3, sostest.Sos4} {
			files, links, err := sostest.Files(fleet, h, layout)
			if err != nil {
				t.Fatal(err)
			}
			top := "sosreport-" + h.Fixture + string(rune('0'+layout))
			d, err := sostest.WriteDir(dir, top, files, links)
			if err != nil {
				t.Fatal(err)
			}
			x, err := sostest.WriteArchive(dir, top, "xz", files, links)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{d, x} {
				tr, err := Open(p, DefaultLimits())
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				f := tr.Facts()
				name := filepath.Base(p)
				if w.host != "" && f.Host != w.host {
					t.Errorf("%s: host %q, want %q", name, f.Host, w.host)
				}
				if w.release != "" && f.Kernel.Release != w.release {
					t.Errorf("%s: release %q", name, f.Kernel.Release)
				}
				if f.Kernel.Family != "rhel7" || f.Cgroup.Mode != "v1" || f.Collector.Transport != Transport {
					t.Errorf("%s: family %q mode %q transport %q", name, f.Kernel.Family, f.Cgroup.Mode, f.Collector.Transport)
				}
				if w.runc != "" && (len(f.Runtimes.Runc) != 1 || f.Runtimes.Runc[0].Version != w.runc || !strings.HasPrefix(f.Runtimes.Runc[0].Path, "installed-rpms: runc-")) {
					t.Errorf("%s: runc %+v", name, f.Runtimes.Runc)
				}
				if f.Runtimes.Docker == nil || f.Runtimes.Docker.Version != w.docker {
					t.Errorf("%s: docker %+v, want %s", name, f.Runtimes.Docker, w.docker)
				}
				if f.Runtimes.Kubelet == nil || f.Runtimes.Kubelet.Version != w.kubelet || !strings.Contains(f.Sources[facts.SectionKubelet].Source, "installed-rpms: kubelet-") {
					t.Errorf("%s: kubelet %+v", name, f.Runtimes.Kubelet)
				}
				if f.KernelLog.Source != w.logSource || len(f.KernelLog.Signatures) != len(w.sigs) {
					t.Errorf("%s: kernel log %q %v", name, f.KernelLog.Source, f.KernelLog.Signatures)
				}
				for _, s := range w.sigs {
					if f.KernelLog.Signatures[s] == nil {
						t.Errorf("%s: no %s", name, s)
					}
				}
				if w.numCgroups != 0 && (f.Cgroup.MemoryNumCgroups == nil || *f.Cgroup.MemoryNumCgroups != w.numCgroups) {
					t.Errorf("%s: num_cgroups %v", name, f.Cgroup.MemoryNumCgroups)
				}
				for _, s := range []string{facts.SectionKmem, facts.SectionMemcgDirs} {
					if src := f.Sources[s]; src.Error != facts.ErrNotRun || src.Message != NotInReport {
						t.Errorf("%s: source %s = %+v", name, s, src)
					}
				}
				if f.OS.ID != "centos" || !strings.HasPrefix(f.OS.RedhatRelease, "CentOS") {
					t.Errorf("%s: os %+v (os-release is a symlink to ../usr/lib/os-release)", name, f.OS)
				}
			}
		}
	}
}

func TestParseRPM(t *testing.T) {
	tests := []struct {
		line, name, ver, rel string
		ok                   bool
		runc, docker         string
	}{
		{"runc-1.0.0-69.rc10.el7_9.x86_64                            Tue 01 Jun 2021", "runc", "1.0.0", "69.rc10.el7_9", true, "1.0.0-rc10", ""},
		{"kubelet-1.15.5-0.x86_64", "kubelet", "1.15.5", "0", true, "1.15.5", ""},
		{"docker-ce-18.06.1.ce-3.el7.x86_64\tSun 02", "docker-ce", "18.06.1.ce", "3.el7", true, "", "18.06.1-ce"},
		{"docker-1.13.1-203.git0be3e21.el7.centos.x86_64", "docker", "1.13.1", "203.git0be3e21.el7.centos", true, "", "1.13.1"},
		{"gpg-pubkey-f4a80eb5-53a7ff4b.(none)", "gpg-pubkey", "f4a80eb5", "53a7ff4b", true, "", ""},
		{"", "", "", "", false, "", ""},
		{"noversion.x86_64", "", "", "", false, "", ""},
		{"a-b.x86_64", "", "", "", false, "", ""},
	}
	for _, tc := range tests {
		p, ok := ParseRPM(tc.line)
		if ok != tc.ok || p.Name != tc.name || p.Version != tc.ver || p.Release != tc.rel {
			t.Errorf("ParseRPM(%q) = %+v, %v", tc.line, p, ok)
			continue
		}
		if tc.runc != "" && runcVersion(p) != tc.runc {
			t.Errorf("runcVersion(%q) = %q", tc.line, runcVersion(p))
		}
		if tc.docker != "" && dockerRPMVersion(p) != tc.docker {
			t.Errorf("dockerRPMVersion(%q) = %q", tc.line, dockerRPMVersion(p))
		}
	}
}

func TestDockerVersionOutput(t *testing.T) {
	out := "Client:\n Version:           18.06.1-ce\n API version:       1.38\n\nServer:\n Engine:\n  Version:          18.06.1-ce\n  API version:      1.38 (minimum version 1.12)\n containerd:\n  Version:          v1.2.0\n"
	rhel := "Client:\n Version:         1.13.1\n API version:     1.26\n\nServer:\n Version:         1.13.1\n"
	for in, want := range map[string]string{out: "18.06.1-ce", rhel: "1.13.1", "Client:\n Version: 1 2\n": ""} {
		tr := &Tree{entries: map[string]*entry{"sos_commands/docker/docker_version": {data: []byte(in)}}}
		if v, _ := tr.dockerVersion(); v != want {
			t.Errorf("dockerVersion = %q, want %q", v, want)
		}
	}
}

func TestLogSummaryBoundsLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10) + " SLUB: Unable to allocate memory on node -1\n"
	s, err := summarise(strings.NewReader("SLUB: Unable to allocate memory on node -1\n" + long + "BUG: soft lockup - CPU#3 stuck for 22s!"))
	if err != nil {
		t.Fatal(err)
	}
	if s.lines != 3 || s.count[facts.SigSlubAlloc] != 1 || s.count[facts.SigSoftLockup] != 1 {
		t.Errorf("summary %+v (a line is judged by its first %d bytes)", s, maxLine)
	}
}

func TestXZHugeDictionaryRefused(t *testing.T) {
	files, links, err := sostest.Files(fleet, sostest.Seeds()[3], sostest.Sos4)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sostest.WriteArchive(t.TempDir(), "sosreport-x", "xz", files, links)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if _, err := ReadArchive(bytes.NewReader(b), DefaultLimits()); err != nil {
		t.Fatalf("the real archive: %v", err)
	}
	// the first block's LZMA2 filter: the byte after "21 01" is the dictionary code
	i := bytes.Index(b[12:40], []byte{0x21, 0x01})
	if i < 0 {
		t.Fatal("no LZMA2 filter flags in the first block header")
	}
	b[12+i+2] = 39 // 3 GiB
	if _, err := ReadArchive(bytes.NewReader(b), DefaultLimits()); err == nil || !strings.Contains(err.Error(), "dictionary of") {
		t.Fatalf("err = %v", err)
	}
}

// TestBundledRunc: the runc a package bundles is read from docker version's
// runc component, docker info's runc commit or (RHEL's docker) the package;
// without them the runc section says why and no version is invented.
func TestBundledRunc(t *testing.T) {
	seeds := sostest.SeedsByFixture()
	down := func(h sostest.Host) sostest.Host { h.DockerDown = true; return h }
	tests := []struct {
		name                         string
		host                         sostest.Host
		bin, version, flavor, commit string // "" bin: no runc binary
		path                         string // in the binary's path (the evidence)
		noteErr, note                string // the runc source when there is no binary
	}{
		{"docker-ce 18.06: docker info's commit", seeds["seed000-centos75"], "docker-runc", "1.0.0-rc5+dev", facts.FlavorUpstream, "69663f0bd4b60df09991c08812a60108003fa340",
			"sosreport:sos_commands/docker/docker_info (docker info, runc version 69663f0bd4b60df09991c08812a60108003fa340): /usr/bin/docker-runc bundled in docker-ce-18.06.1.ce-3.el7.x86_64", "", ""},
		{"docker-ce 18.06, docker not running", down(seeds["seed000-centos75"]), "", "", "", "", "", facts.ErrNotRun,
			"runc is bundled in docker-ce-18.06.1.ce-3.el7.x86_64 (installed-rpms lists no runc package) and its version is unknown: this sosreport has no docker info or docker version output"},
		{"RHEL docker 1.13.1: docker info's fork commit", seeds["seed002-nfconn"], "docker-runc-current", "1.0.0-rc2", facts.FlavorProjectAtomic, "66aedde759f33c190954815fb765eedc1d782dd9",
			"(docker info, runc version 66aedde759f33c190954815fb765eedc1d782dd9): /usr/libexec/docker/docker-runc-current bundled in docker-1.13.1-103.git7f2769b.el7.centos.x86_64", "", ""},
		{"RHEL docker 1.13.1, docker not running: the package", down(seeds["seed002-nfconn"]), "docker-runc-current", "1.0.0-rc2", facts.FlavorProjectAtomic, "",
			"installed-rpms: docker-1.13.1-103.git7f2769b.el7.centos.x86_64 bundles /usr/libexec/docker/docker-runc-current (built from projectatomic/runc, VERSION 1.0.0-rc2)", "", ""},
		{"docker-ce 19.03 + containerd.io: docker version's runc component", seeds["seed004-kmem-usage"], "runc", "1.0.0-rc8+dev", facts.FlavorUpstream, "3e425f80a8c931f88e6d94a8c831b9d5aa481657",
			"(docker version, runc component: Version 1.0.0-rc8+dev): /usr/bin/runc bundled in containerd.io-1.2.10-3.2.el7.x86_64", "", ""},
		{"containerd.io, docker not running", down(seeds["seed001-memcg-oom"]), "", "", "", "", "", facts.ErrNotRun, "runc is bundled in containerd.io-1.2.10-3.2.el7.x86_64"},
		{"runc package: installed-rpms, not a second binary", seeds["seed003-centos78"], "runc", "1.0.0-rc10", facts.FlavorUpstream, "", "installed-rpms: runc-1.0.0-69.rc10.el7_9.x86_64", "", ""},
	}
	for _, tc := range tests {
		for _, layout := range []sostest.Layout{sostest.Sos3, sostest.Sos4} {
			files, links, err := sostest.Files(fleet, tc.host, layout)
			if err != nil {
				t.Fatal(err)
			}
			tr := &Tree{Name: "sosreport-x", entries: map[string]*entry{}}
			for p, b := range files {
				if wanted(p) {
					e, _ := readEntry(bytes.NewReader(b), p, DefaultLimits())
					tr.entries[p] = e
				}
			}
			for p, l := range links {
				if wanted(p) {
					tr.entries[p] = &entry{link: l}
				}
			}
			f := tr.Facts()
			name := tc.name + " (sos " + string(rune('0'+layout)) + ")"
			if tc.bin == "" {
				src := f.Sources[facts.SectionRunc]
				if len(f.Runtimes.Runc) != 0 || src == nil || src.Error != tc.noteErr || !strings.Contains(src.Message, tc.note) {
					t.Errorf("%s: runc %+v, source %+v", name, f.Runtimes.Runc, src)
				}
				continue
			}
			if len(f.Runtimes.Runc) != 1 {
				t.Errorf("%s: runc %+v", name, f.Runtimes.Runc)
				continue
			}
			b := f.Runtimes.Runc[0]
			if b.Name != tc.bin || b.Version != tc.version || b.Flavor != tc.flavor || b.Commit != tc.commit || !strings.Contains(b.Path, tc.path) {
				t.Errorf("%s: runc %+v", name, b)
			}
			if src := f.Sources[facts.SectionRunc]; src == nil || src.Error != "" || src.Source != b.Path {
				t.Errorf("%s: source %+v", name, src)
			}
		}
	}
}

func TestRuncFromCommit(t *testing.T) {
	for in, want := range map[string]string{
		"69663f0bd4b60df09991c08812a60108003fa340": "1.0.0-rc5+dev",
		"69663f0":                "1.0.0-rc5+dev", // a unique prefix
		"v1.0.0-rc93-0-g12644e6": "1.0.0-rc93",
		"v1.0.0-rc93-7-gabcdef0": "1.0.0-rc93+dev",
		"v1.1.12":                "1.1.12",
		"dc9208a3303feef5b3839f4323d9beb36df0a9dd": "1.0.0-rc10",
		"0123456789abcdef0123456789abcdef01234567": "", // not in the table
		"N/A":    "",
		"abc":    "", // too short to be a commit
		"69663f": "",
	} {
		b, ok := runcFromCommit(in)
		if ok != (want != "") || b.version != want {
			t.Errorf("runcFromCommit(%q) = %+v, %v; want %q", in, b, ok, want)
		}
	}
}

func TestBundledRuncUnknown(t *testing.T) {
	rpms := "containerd.io-1.2.10-3.2.el7.x86_64\ndocker-ce-19.03.2-3.el7.x86_64\n"
	for info, want := range map[string]struct{ err, msg string }{
		"Default Runtime: runc\nrunc version: 0123456789abcdef0123456789abcdef01234567\n":   {facts.ErrParse, "docker info's runc version 0123456789abcdef0123456789abcdef01234567 is a commit kaudit cannot map to a runc release bundled in containerd.io-1.2.10-3.2.el7.x86_64"},
		"Default Runtime: runc\nrunc version: N/A\n":                                        {facts.ErrNotRun, "its version is unknown: docker info could not read it (runc version: N/A)"},
		"Default Runtime: nvidia\nrunc version: dc9208a3303feef5b3839f4323d9beb36df0a9dd\n": {facts.ErrNotRun, "docker's default runtime is nvidia"},
	} {
		tr := &Tree{Name: "x", entries: map[string]*entry{"installed-rpms": {data: []byte(rpms)}, "sos_commands/docker/docker_info": {data: []byte(info)}}}
		f := tr.Facts()
		src := f.Sources[facts.SectionRunc]
		if len(f.Runtimes.Runc) != 0 || src.Error != want.err || !strings.Contains(src.Message, want.msg) {
			t.Errorf("%q: runc %+v, source %+v", info, f.Runtimes.Runc, src)
		}
	}
}
