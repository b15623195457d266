package collector_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
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
