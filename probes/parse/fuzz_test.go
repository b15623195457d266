package parse_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

// seeds adds every testdata/outputs file and the given strings to f's corpus.
func seeds(f *testing.F, extra ...string) {
	files, _ := filepath.Glob(filepath.Join(collectortest.OutputsDir, "*.txt"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func validJSON(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("not marshalable: %v", err)
	}
	if !utf8.Valid(b) {
		t.Fatalf("invalid UTF-8 in %s", b)
	}
}

func FuzzParseOSRelease(f *testing.F) {
	seeds(f, collectortest.CentOS7OSRelease, "ID=\"unterminated\nA=$B${C}'x'\\\"")
	f.Fuzz(func(t *testing.T, b []byte) {
		os, _ := parse.ParseOSRelease(b)
		if len(os.ID) > parse.MaxValue || !utf8.ValidString(os.PrettyName) {
			t.Fatalf("%+v", os)
		}
	})
}

func FuzzParseOneLine(f *testing.F) {
	seeds(f, "3.10.0-693.el7.x86_64\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _ := parse.ParseOneLine(b)
		r, _ := parse.ParseRedhatRelease(b)
		fam, up := facts.KernelFamily(s, r)
		if len(s) > parse.MaxRaw || !utf8.ValidString(s) || len(fam) > 10 || len(up) > 40 {
			t.Fatalf("%q %q %q", s, fam, up)
		}
	})
}

func FuzzParseKernelConfig(f *testing.F) {
	seeds(f, "# CONFIG_MEMCG_KMEM is not set\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parse.ParseKernelConfig(b)
		validJSON(t, m)
	})
}

func FuzzParseCmdline(f *testing.F) {
	seeds(f, collectortest.RHEL7Cmdline, `a="b c" cgroup.memory=nokmem -- x`, "\"")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, p, _, _, _ := parse.ParseCmdline(b)
		if len(c) > parse.MaxCmdline {
			t.Fatalf("cmdline %d bytes", len(c))
		}
		validJSON(t, p)
	})
}

func FuzzParseDefaultGrub(f *testing.F) {
	seeds(f, collectortest.RHEL7DefaultGrub, `GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX ${X} \$ \" x"`)
	f.Fuzz(func(t *testing.T, b []byte) {
		parse.ParseDefaultGrub(b, map[string]string{"GRUB_CMDLINE_LINUX": "a"})
	})
}

func FuzzParseGrubCfg(f *testing.F) {
	seeds(f, collectortest.RHEL7GrubCfg, ubuntuGrubCfg, "}\n}\nsubmenu 'a' {\n}\n}\nmenuentry x {\nlinux\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := parse.ParseGrubCfg(b)
		for _, saved := range []string{"", "0", "1>0", "x>y"} {
			if i, ok := c.DefaultIndex(saved, true); ok && (i < 0 || i >= len(c.Entries)) {
				t.Fatalf("index %d of %d", i, len(c.Entries))
			}
		}
		validJSON(t, c)
	})
}

func FuzzParseGrubenvBLSGrubby(f *testing.F) {
	seeds(f, collectortest.RHEL7Grubenv, "title x\noptions $kernelopts\n", "args=\"ro\"\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		g, _ := parse.ParseGrubenv(b)
		e, _ := parse.ParseBLS("/boot/loader/entries/x.conf", b)
		parse.ExpandKernelopts(e.Options, g)
		gb, _ := parse.ParseGrubby(b)
		validJSON(t, []any{g, e, gb})
	})
}

func FuzzParseMounts(f *testing.F) {
	seeds(f, collectortest.RHEL7Mounts, `cgroup /a\04 cgroup memory 0 0`, `cgroup /a\777 cgroup memory`)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parse.ParseMounts(b)
		parse.CgroupMode(m)
		validJSON(t, m)
	})
}

func FuzzParseProcCgroups(f *testing.F) {
	seeds(f, collectortest.RHEL7ProcCgroups)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _ := parse.ParseProcCgroups(b)
		v, _ := parse.ParseControllers(b)
		validJSON(t, []any{c, v})
	})
}

func FuzzParseMemcgDirs(f *testing.F) {
	seeds(f, "rc 0\n15\n", "find: x\nrc 1\n3\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		n, _, msg, _ := parse.ParseMemcgDirs(b)
		s, _ := parse.ParseSlabEntries(b)
		if (n != nil && *n < 0) || (s != nil && *s < 0) || len(msg) > parse.MaxRaw {
			t.Fatalf("%v %v %q", n, s, msg)
		}
	})
}

func FuzzParseKmem(f *testing.F) {
	seeds(f, "root\t/m\ncg\tkubepods\t/m/kubepods\tunread\t\nerr\thead: /m/kubepods/memory.kmem.slabinfo: Input/output error\nfound\tpod\t-3\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		k, _ := parse.ParseKmem(b)
		if k.ContainersSampled != len(k.Containers) || k.ContainersActive+k.ContainersInactive+k.ContainersError > k.ContainersSampled || k.ContainersFound < 0 {
			t.Fatalf("%+v", k)
		}
		validJSON(t, k)
	})
}

func FuzzParseMemory(f *testing.F) {
	seeds(f, collectortest.Seed002Meminfo, "Node 0, zone DMA 1e999\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parse.ParseMeminfo(b)
		bi, _ := parse.ParseBuddyinfo(b)
		ef, _ := parse.ParseExtfragIndex(b)
		th, _ := parse.ParseInt(b)
		validJSON(t, []any{m, bi, ef, th})
	})
}

func FuzzParseRuntimes(f *testing.F) {
	seeds(f, "containerd a b c\n", "cgroupDriver: systemd\n--cgroup-driver=cgroupfs", `{"exec-opts":["native.cgroupdriver=systemd"]}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []func(string, []byte) (facts.Binary, error){parse.ParseRunc, parse.ParseDocker, parse.ParseContainerd, parse.ParseKubelet} {
			bin, _ := p("/usr/bin/x --version", b)
			if len(bin.Raw) > parse.MaxRaw || len(bin.Version) > parse.MaxValue {
				t.Fatalf("%+v", bin)
			}
			validJSON(t, bin)
		}
		parse.ParseKubeletDriver(b)
		d, _ := parse.ParseDockerDaemon(b)
		validJSON(t, d)
	})
}

func FuzzParseKernelLog(f *testing.F) {
	seeds(f, "rc 0\nmode grep\nSLUB: Unable to allocate memory on node -1\n", "rc 0\ncount soft_lockup 2\nlatest soft_lockup x\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _ := parse.ParseKernelLog(b)
		for id, s := range r.Signatures {
			if s.Count <= 0 || len(s.Latest) > parse.MaxLatest || id == "" {
				t.Fatalf("%s %+v", id, s)
			}
		}
		validJSON(t, r)
	})
}

// FuzzBuild feeds arbitrary collector output through Split and Build.
func FuzzBuild(f *testing.F) {
	const n = "abc"
	wrap := func(name, src, body, rc string) string {
		return "@@KAUDIT:" + n + ":BEGIN " + name + " " + src + "\n" + body + "\n@@KAUDIT:" + n + ":END " + name + " rc=" + rc + " trunc=0\n"
	}
	var all strings.Builder
	for _, s := range facts.Sections() {
		all.WriteString(wrap(s, "/x", "1", "0"))
	}
	f.Add([]byte(all.String()))
	f.Add([]byte(wrap(facts.SectionKernelLog, "dmesg", "rc 1\nerr x", "1") + wrap(facts.SectionKernelLog, "journalctl -k", "rc 0\ncount memcg_oom 1\nlatest memcg_oom x", "0")))
	f.Add([]byte(wrap(facts.SectionRunc, "/usr/bin/runc --version", "kaudit: timed out after 5s", "124")))
	f.Fuzz(func(t *testing.T, b []byte) {
		fa := parse.Build("h", collector.Split(b, n))
		for _, s := range facts.Sections() {
			if fa.Sources[s] == nil {
				t.Fatalf("no source for %s", s)
			}
		}
		validJSON(t, fa)
	})
}
