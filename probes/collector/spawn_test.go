package collector_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
)

// maxExecs bounds the programs the script executes on the fake kubelet node
// under dash (measured: see docs/facts.md). A regression guard, not a timing.
// Collector version 2 reads the files with one head -c for all of them (a
// read bounded in bytes per file before the shell sees it; one head per file
// until 2026-12-04: 42 programs) and runs every command under a sleep timer
// with a head -c cap on its output: 28 on this node (version 1: 15).
const maxExecs = 30

// TestSpawnCount counts the programs the script executes (successful execve,
// the shell itself excluded) and the processes it forks, under dash with
// strace on the fake RHEL 7 node. Skipped without strace or dash.
func TestSpawnCount(t *testing.T) {
	strace := testenv.Program(t, "strace", "strace")
	_, err := os.Stat("/bin/dash")
	testenv.Require(t, "dash", err)
	h := collectortest.RHEL7Node(t)
	trace := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, "-f", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-o", trace, "/bin/dash", "-s", "--", nonce)
	cmd.Stdin = bytes.NewReader(collector.Script())
	cmd.Env = []string{"KAUDIT_ROOT=" + h.Root, "PATH=" + h.Bin + ":/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Require(t, "strace", fmt.Errorf("cannot trace here: %v: %.300s", err, out))
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	progs := successfulExecs(string(b))
	if len(progs) == 0 {
		t.Fatalf("no execve in the trace:\n%.500s", b)
	}
	progs = progs[1:] // [0] is dash itself
	forks := len(regexp.MustCompile(`(?m)^[0-9]+ +(clone|clone3|fork|vfork)\(`).FindAllString(string(b), -1))
	t.Logf("dash, fake kubelet node: %d programs executed (%s), %d forks", len(progs), strings.Join(progs, " "), forks)
	if len(progs) > maxExecs {
		t.Errorf("%d programs executed, more than %d: %v", len(progs), maxExecs, progs)
	}
}

// successfulExecs returns the base names of the programs whose execve
// succeeded in an strace -f log, following "<unfinished ...>" / "<...
// execve resumed>" pairs.
func successfulExecs(log string) []string {
	start := regexp.MustCompile(`^([0-9]+) +execve\("([^"]+)"`)
	pending := map[string]string{}
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if m := start.FindStringSubmatch(l); m != nil {
			switch {
			case strings.HasSuffix(l, "<unfinished ...>"):
				pending[m[1]] = m[2]
			case strings.HasSuffix(l, "= 0"):
				out = append(out, filepath.Base(m[2]))
			}
			continue
		}
		pid, rest, _ := strings.Cut(l, " ")
		if strings.HasPrefix(strings.TrimLeft(rest, " "), "<... execve resumed>") {
			if p, ok := pending[pid]; ok && strings.HasSuffix(l, "= 0") {
				out = append(out, filepath.Base(p))
			}
			delete(pending, pid)
		}
	}
	return out
}
