package sosreport

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/sosreport/sostest"
	"github.com/ulikunitz/xz"
)

// Every parser of archived input has a fuzz target here: the archive
// reader (compression, tar, paths, links, limits), the xz container guard
// alone, the mapping of a report's files to facts, the installed-rpms line,
// the docker outputs and the kernel log summary. The seeds are tiny (a few
// hundred bytes) and the limits small, so a target runs thousands of
// inputs a second and minimising an interesting input is quick.

// fuzzLimits: small bounds, so a mutated header cannot make one input cost
// megabytes (an xz seed uses the smallest dictionary, 4 KiB).
var fuzzLimits = Limits{FileMax: 1024, LogMax: 4096, ArchiveMax: 64 << 10, MemberMax: 16 << 10, Members: 64, XZDictMax: 64 << 10}

// fuzzFiles: one tiny sosreport, sos 4 layout, with a directory entry, a
// symlink and a hard link, as sos's tar has them.
var fuzzFiles = map[string]string{
	"proc/cmdline":                       "BOOT_IMAGE=/vmlinuz-3.10.0-1127.el7.x86_64 ro cgroup.memory=nokmem\n",
	"sos_commands/kernel/uname_-a":       "Linux n1 3.10.0-1127.el7.x86_64 #1 SMP Tue Mar 31 23:36:51 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux\n",
	"sos_commands/host/hostname":         "n1\n",
	"installed-rpms":                     "runc-1.0.0-69.rc10.el7_9.x86_64  Tue 01 Jun 2021\nkubelet-1.15.5-0.x86_64\ndocker-1.13.1-203.git0be3e21.el7.centos.x86_64\n",
	"proc/cgroups":                       "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t5\t65513\t1\n",
	"proc/mounts":                        "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n",
	"sos_commands/kernel/dmesg":          "[1.0] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n",
	"sos_commands/docker/docker_version": "Client:\n Version:         1.13.1\n\nServer:\n Version:         1.13.1\n",
	"sos_commands/docker/docker_info":    "Runtimes: docker-runc runc\nDefault Runtime: docker-runc\nrunc version: 66aedde759f33c190954815fb765eedc1d782dd9 (expected: 9df8b306d01f59d3a8029be411de015b7304dd8f)\n",
	"usr/lib/os-release":                 "ID=\"centos\"\nVERSION_ID=\"7\"\n",
}

func fuzzTar(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(h tar.Header, body string) {
		h.Mode, h.Size = 0o644, int64(len(body))
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	add(tar.Header{Name: "s/", Typeflag: tar.TypeDir}, "")
	add(tar.Header{Name: "s/proc/", Typeflag: tar.TypeDir}, "")
	for _, p := range sortedKeys(fuzzFiles) {
		add(tar.Header{Name: "s/" + p, Typeflag: tar.TypeReg}, fuzzFiles[p])
	}
	add(tar.Header{Name: "s/hostname", Typeflag: tar.TypeSymlink, Linkname: "sos_commands/host/hostname"}, "")
	add(tar.Header{Name: "s/etc/os-release", Typeflag: tar.TypeSymlink, Linkname: "../usr/lib/os-release"}, "")
	add(tar.Header{Name: "s/uname", Typeflag: tar.TypeLink, Linkname: "s/sos_commands/kernel/uname_-a"}, "")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

// fuzzSeeds: the tiny report as .tar.gz, .tar.xz (4 KiB dictionary), a
// hand-built two-stream .tar.xz and .tar.bz2 (the bzip2 program writes it:
// the standard library only reads bzip2).
func fuzzSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	tb := fuzzTar(t)
	seeds := map[string][]byte{}
	var gz bytes.Buffer
	g, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	g.Write(tb)
	g.Close()
	seeds["gz"] = gz.Bytes()
	var x bytes.Buffer
	w, err := xz.WriterConfig{DictCap: 4096}.NewWriter(&x)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(tb)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	seeds["xz"] = x.Bytes()
	half := len(tb) / 2
	seeds["xz streams"] = sostest.HandXZ([]sostest.XZBlock{{Data: tb[:half], Dict: 0}}, []sostest.XZBlock{{Data: tb[half:], Dict: 0}})
	cmd := exec.Command(testenv.Program(t, "bzip2", "bzip2"), "-9", "-c")
	cmd.Stdin = bytes.NewReader(tb)
	bz, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	seeds["bz2"] = bz
	return seeds
}

// TestFuzzSeedsRead: the seeds are valid reports under the fuzz limits (a
// seed refused outright would fuzz nothing past the first check).
func TestFuzzSeedsRead(t *testing.T) {
	for kind, b := range fuzzSeeds(t) {
		tr, err := ReadArchive(bytes.NewReader(b), fuzzLimits)
		if err != nil {
			t.Errorf("%s seed (%d bytes): %v", kind, len(b), err)
			continue
		}
		f := tr.Facts()
		if f.Host != "n1" || f.Kernel.Release != "3.10.0-1127.el7.x86_64" || f.OS.ID != "centos" || len(f.Runtimes.Runc) != 2 {
			t.Errorf("%s seed: host %q release %q os %q runc %+v", kind, f.Host, f.Kernel.Release, f.OS.ID, f.Runtimes.Runc)
		}
	}
}

func FuzzReadArchive(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Add(tarGz(f, []tar.Header{reg("s/proc/cmdline"), {Name: "s/hostname", Typeflag: tar.TypeSymlink, Linkname: "proc/cmdline"}}, map[string]string{"s/proc/cmdline": "ro\n"}))
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ReadArchive(bytes.NewReader(b), lim)
		if err != nil {
			return
		}
		for p, e := range tr.entries {
			if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || int64(len(e.data)) > max(lim.FileMax, RPMListMax) {
				t.Fatalf("entry %q (%d bytes) escapes the bounds", p, len(e.data))
			}
			if e.link != "" && (strings.HasPrefix(e.link, "/") || strings.HasPrefix(e.link, "../")) {
				t.Fatalf("link %q -> %q leaves the tree", p, e.link)
			}
		}
		checkFacts(t, tr)
	})
}

func checkFacts(t *testing.T, tr *Tree) {
	f := tr.Facts()
	if f.Schema != facts.Schema || len(f.Host) > 256 || f.Collector.Transport != Transport {
		t.Fatalf("facts %q %q %q", f.Schema, f.Host, f.Collector.Transport)
	}
	if f.CollectedAt != "" {
		if _, err := time.Parse(time.RFC3339, f.CollectedAt); err != nil || !strings.HasSuffix(f.CollectedAt, "Z") {
			t.Fatalf("collected_at %q", f.CollectedAt)
		}
	}
	for _, r := range f.Runtimes.Runc {
		if r.Version == "" && r.Error == "" {
			t.Fatalf("runc %+v: neither a version nor why not", r)
		}
	}
}

// FuzzXZGuard: the guard hands the decoder exactly the input's bytes, in
// order, or stops with an error; it never lets a header above the limit
// through.
func FuzzXZGuard(f *testing.F) {
	seeds := fuzzSeeds(f)
	f.Add(seeds["xz"])
	f.Add(seeds["xz streams"])
	f.Add(sostest.HandXZ([]sostest.XZBlock{{Data: []byte("a"), Dict: 0}}, []sostest.XZBlock{{Data: []byte("b"), Dict: 37}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := io.ReadAll(io.LimitReader(newXZGuard(bytes.NewReader(b), 64<<10), 1<<20))
		if !bytes.HasPrefix(b, out) {
			t.Fatalf("guard output is not a prefix of its input (err %v)", err)
		}
		if err == nil {
			// a complete walk: the decoder must accept or reject it without
			// a dictionary above the limit (nothing to allocate beyond it)
			if r, err := (xz.ReaderConfig{DictCap: 4 << 10}).NewReader(bytes.NewReader(out)); err == nil {
				io.Copy(io.Discard, io.LimitReader(r, 1<<20))
			}
		}
	})
}

// FuzzTreeFacts: any contents of the files kaudit reads map to a valid
// facts document (the archive layer is bypassed, so the fuzzer works on
// the parsers rather than on checksums).
func FuzzTreeFacts(f *testing.F) {
	f.Add(fuzzFiles["proc/cmdline"], fuzzFiles["sos_commands/kernel/uname_-a"], fuzzFiles["installed-rpms"], fuzzFiles["sos_commands/docker/docker_version"], fuzzFiles["sos_commands/docker/docker_info"], "vm.extfrag_threshold = 500\ntotal 0\nlrwxrwxrwx. 1 root root 0 Jun  1 02:10 kmalloc-64 -> :t-0000064\n", fuzzFiles["sos_commands/kernel/dmesg"], "Mon Jun  1 02:11:12 UTC 2020\n")
	f.Add("", "Linux", "docker-ce-18.06.1.ce-3.el7.x86_64\ncontainerd.io-1.2.0-3.el7.x86_64\n", "Client:\n Version: 18.06.1-ce\n", "runc version: 69663f0bd4b60df09991c08812a60108003fa340\n", "", "", "Mon Jun  1 10:11:12 CST 2020\n")
	f.Fuzz(func(t *testing.T, cmdline, uname, rpms, dockerVersion, dockerInfo, sysctl, dmesg, date string) {
		tr := &Tree{Name: "sosreport-x", entries: map[string]*entry{}}
		put := func(rel, body string) {
			e, err := readEntry(strings.NewReader(body), rel, fuzzLimits)
			if err != nil {
				t.Fatal(err)
			}
			tr.entries[rel] = e
		}
		put("proc/cmdline", cmdline)
		put("sos_commands/kernel/uname_-a", uname)
		put("installed-rpms", rpms)
		put("sos_commands/docker/docker_version", dockerVersion)
		put("sos_commands/docker/docker_info", dockerInfo)
		put("sos_commands/kernel/sysctl_-a", sysctl)
		put("sos_commands/kernel/ls_-lt_.sys.kernel.slab", sysctl) // kernel.py's /sys/kernel/slab listing
		put("sos_commands/kernel/dmesg", dmesg)
		put("proc/cgroups", fuzzFiles["proc/cgroups"])
		put("sos_commands/host/hostname", uname)
		put("sos_commands/date/date_--utc", date)
		checkFacts(t, tr)
	})
}

func FuzzParseRPM(f *testing.F) {
	for _, l := range strings.Split(fuzzFiles["installed-rpms"], "\n") {
		f.Add(l)
	}
	f.Add("docker-ce-18.06.1.ce-3.el7.x86_64")
	f.Add("gpg-pubkey-f4a80eb5-53a7ff4b.(none)")
	f.Fuzz(func(t *testing.T, line string) {
		p, ok := ParseRPM(line)
		if !ok {
			return
		}
		if p.Name == "" || p.Version == "" || p.Release == "" || p.Arch == "" || p.NVRA != p.Name+"-"+p.Version+"-"+p.Release+"."+p.Arch {
			t.Fatalf("ParseRPM(%q) = %+v", line, p)
		}
		if v := runcVersion(p); !strings.HasPrefix(v, p.Version) {
			t.Fatalf("runcVersion(%+v) = %q", p, v)
		}
		dockerRPMVersion(p)
	})
}

func FuzzSummarise(f *testing.F) {
	f.Add(fuzzFiles["sos_commands/kernel/dmesg"])
	f.Add("BUG: soft lockup - CPU#3 stuck for 22s!\r\nkernel: SLUB: Unable to allocate memory on node -1\n")
	f.Fuzz(func(t *testing.T, log string) {
		s, err := summarise(strings.NewReader(log))
		if err != nil {
			t.Fatal(err)
		}
		if (len(log) > 0) != (s.lines > 0) || s.bytes < s.lines {
			t.Fatalf("summary %+v of %d bytes", s, len(log))
		}
		for id, l := range s.latest {
			if len(l) > 1024 || s.count[id] == 0 {
				t.Fatalf("latest %s %q count %d", id, l, s.count[id])
			}
		}
		if bytes.Count(s.body(), []byte("\n")) != 3+2*len(s.count) {
			t.Fatalf("body %q: a line break leaked from the log", s.body())
		}
	})
}
