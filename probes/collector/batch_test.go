package collector_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
)

// TestScriptBatchedReads checks that the files read by one head for all of
// them (pf_start) come out byte for byte as the files hold them — trailing
// newline or not, blank lines, '>' and lines that look like head's own
// headers, an empty file, one over the cap — and the same when a file holds
// the next file's header line, which makes the script fall back to one head
// per file.
func TestScriptBatchedReads(t *testing.T) {
	const capBytes = 262144
	big := strings.Repeat("x", capBytes+10)
	for _, tc := range []struct {
		name  string
		files map[string]string // path → body; every section here is read unfiltered
	}{
		{"batched", map[string]string{
			"/proc/sys/kernel/hostname":      "no-newline",
			"/etc/os-release":                "NAME=\"a > b\"\n\n\nID=x\n==\n",
			"/etc/redhat-release":            "",
			"/proc/version":                  "Linux version 3.10.0 (x) #1 >>> <== ==> \n==> /nope <==\n==",
			"/proc/cmdline":                  big,
			"/etc/default/grub":              "GRUB_CMDLINE_LINUX=\"a\"\n==> \n\n",
			"/boot/grub2/grub.cfg":           "if [ x > y ]; then\n==>\n==> x <==\nfi\n\n\n",
			"/proc/cgroups":                  "#subsys_name\thierarchy\n>\n",
			"/proc/meminfo":                  "MemTotal: 1 kB\r\n",
			"/proc/buddyinfo":                "\n",
			"/proc/sys/vm/extfrag_threshold": "500",
		}},
		{"forged header: one head per file", map[string]string{
			"/proc/sys/kernel/hostname": "h\n",
			"/etc/os-release":           "ID=x\n",
			// the next file's header line, as head prints it (KAUDIT_ROOT prefixed below)
			"/proc/version":        "v\n\n==> ROOT/proc/cmdline <==\nforged",
			"/proc/cmdline":        "BOOT_IMAGE=x\n",
			"/proc/meminfo":        "MemTotal: 1 kB\n",
			"/proc/cgroups":        "memory\t1\t1\t1\n",
			"/boot/grub2/grub.cfg": "menuentry\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := collectortest.Host{Root: t.TempDir(), Bin: t.TempDir()}
			for p, body := range tc.files {
				collectortest.WriteFile(t, h.Root+p, strings.ReplaceAll(body, "ROOT", h.Root))
			}
			section := map[string]string{
				"/proc/sys/kernel/hostname": "hostname", "/etc/os-release": "os_release",
				"/etc/redhat-release": "redhat_release", "/proc/version": "proc_version",
				"/proc/cmdline": "cmdline", "/etc/default/grub": "default_grub",
				"/boot/grub2/grub.cfg": "grub_cfg", "/proc/cgroups": "proc_cgroups",
				"/proc/meminfo": "meminfo", "/proc/buddyinfo": "buddyinfo",
				"/proc/sys/vm/extfrag_threshold": "extfrag_threshold",
			}
			for _, sh := range collectortest.Shells(t) {
				t.Run(sh.Name, func(t *testing.T) {
					m := byName(collector.Split(h.Run(t, sh, nonce), nonce))
					for p, body := range tc.files {
						body = strings.ReplaceAll(body, "ROOT", h.Root)
						s := m[section[p]]
						if len(s) != 1 {
							t.Errorf("%s: %d sections, want 1", p, len(s))
							continue
						}
						want, trunc := body, false
						if len(want) > capBytes {
							want, trunc = want[:capBytes], true
						}
						if !bytes.Equal(s[0].Body, []byte(want)) || s[0].Truncated != trunc || s[0].Exit != 0 {
							t.Errorf("%s: body %q (%d bytes), truncated %v, rc %d; want %q (%d bytes), truncated %v, rc 0",
								p, clip(s[0].Body), len(s[0].Body), s[0].Truncated, s[0].Exit, clip([]byte(want)), len(want), trunc)
						}
					}
				})
			}
		})
	}
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// TestScriptSickNodeHungBatchRead: the one head that reads all the files
// hangs, ignoring SIGTERM, with a child: the batch's timer (5 s) ends it and
// everything it started, and the files are read one by one with the same
// bytes. busybox ash runs its own head applet, not the one in PATH: dash and
// bash only.
func TestScriptSickNodeHungBatchRead(t *testing.T) {
	for _, sh := range collectortest.Shells(t) {
		if sh.Name == "busybox" {
			continue
		}
		t.Run(sh.Name, func(t *testing.T) {
			h := collectortest.RHEL7Node(t)
			realHead, err := exec.LookPath("head")
			if err != nil {
				t.Skip("no head here")
			}
			writeScript(t, h.Bin, "head", `for a in "$@"; do last=$a; done
if [ "$last" = /dev/null ]; then
	trap '' TERM
	sh -c 'trap "" TERM; while :; do sleep 1; done' hungbatchchild &
	while :; do sleep 1; done
fi
exec `+realHead+` "$@"
`)
			raw, took := sickRun(t, sh, h, "40", 0)
			testenv.NoneLeft(t, h.Bin+"/head")
			testenv.NoneLeft(t, "hungbatchchild")
			run := collector.SplitRun(raw, nonce)
			if !run.Done {
				t.Fatalf("no DONE after %v:\n%s", took, tail(raw))
			}
			m := byName(run.Sections)
			for name, want := range map[string]string{
				facts.SectionHostname:         "k8s-node-1\n",
				facts.SectionRedhatRelease:    "CentOS Linux release 7.4.1708 (Core)\n",
				facts.SectionExtfragThreshold: "500\n",
			} {
				if s := m[name]; len(s) != 1 || string(s[0].Body) != want || s[0].Exit != 0 {
					t.Errorf("%s: %d sections %+v; want one with %q", name, len(s), s, want)
				}
			}
			if took < 4*time.Second || took > 20*time.Second {
				t.Errorf("took %v; want the batch's 5 s timer and then the reads", took)
			}
			t.Logf("%s: hung batch read: %v", sh.Name, took)
		})
	}
}
