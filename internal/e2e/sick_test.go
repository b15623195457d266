package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// sickFleet starts seed 003's node and five clones of it, and turns the
// clones into sick nodes by replacing files in their roots (clones are hard
// links: each file is removed first, never written through):
//   - dmesg: prints a SLUB failure, ignores SIGTERM, spins and leaves a child
//   - runc:  `runc --version` hangs with a child, ignoring SIGTERM
//   - fifo:  /proc/meminfo is a FIFO (opening it would block)
//   - bash:  /bin/sh is bash, with the dmesg, runc and fifo faults
//   - ash:   /bin/sh is busybox ash, with the runc and fifo faults (no
//     fault an applet could stand in for: see useBusybox)
func sickFleet(t *testing.T) (*testfleet.Fleet, string, map[string]string) {
	t.Helper()
	c := startClones(t, "ok", "dmesg", "runc", "fifo", "bash", "ash")
	c.useBash("bash")
	c.useBusybox("ash")
	for _, role := range []string{"dmesg", "bash"} {
		c.hangDmesg(role)
	}
	for _, role := range []string{"runc", "bash", "ash"} {
		c.hangRunc(role)
	}
	for _, role := range []string{"fifo", "bash", "ash"} {
		c.fifo(role, "proc/meminfo")
	}
	return c.fl, c.bin, c.names
}

// sickLoop is a child left running by a hung command: it ignores SIGTERM.
const sickLoop = "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 1; done\n"

// hangDmesg: dmesg prints a SLUB failure, ignores SIGTERM, spins and leaves
// a child.
func (c *clones) hangDmesg(role string) {
	c.t.Helper()
	c.replace(role, "usr/bin/kaudit-sick-child", sickLoop, 0o755)
	c.replace(role, "usr/bin/dmesg", "#!/bin/sh\ntrap '' TERM\necho '[ 4242.1] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)'\n/usr/bin/kaudit-sick-child &\nwhile :; do :; done\n", 0o755)
}

// hangRunc: `runc --version` hangs with a child, ignoring SIGTERM.
func (c *clones) hangRunc(role string) {
	c.t.Helper()
	c.replace(role, "usr/bin/kaudit-sick-child", sickLoop, 0o755)
	c.replace(role, "usr/bin/runc", "#!/bin/sh\ntrap '' TERM\n/usr/bin/kaudit-sick-child &\nwhile :; do sleep 1; done\n", 0o755)
}

// fifo puts a FIFO at path (opening it would block).
func (c *clones) fifo(role, path string) {
	c.t.Helper()
	p := filepath.Join(c.root(role), path)
	if err := os.Remove(p); err != nil {
		c.t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// sickBase is the fixture every sick node is cloned from.
const sickBase = "seed003-centos78"

// clones is a started fleet of sickBase and clones of it, one per role
// after the first (the first role is the fixture itself, left healthy).
type clones struct {
	t     *testing.T
	fl    *testfleet.Fleet
	bin   string
	names map[string]string // role -> host name
}

func startClones(t *testing.T, roles ...string) *clones {
	t.Helper()
	bin := buildKaudit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fl, err := testfleet.Start(ctx, testfleet.Options{Fixtures: filepath.Join(repoRoot, "testdata/fleet"),
		Hosts: []string{sickBase}, Clones: map[string]int{sickBase: len(roles) - 1}})
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() {
		if err := fl.Stop(); err != nil {
			t.Errorf("stop fleet: %v", err)
		}
	})
	names := map[string]string{roles[0]: sickBase}
	for i, r := range roles[1:] {
		names[r] = fmt.Sprintf("%s-c%04d", sickBase, i+1)
	}
	return &clones{t: t, fl: fl, bin: bin, names: names}
}

// root is the host's root directory on this machine.
func (c *clones) root(role string) string {
	c.t.Helper()
	h, err := c.fl.Host(c.names[role])
	if err != nil {
		c.t.Fatal(err)
	}
	return h.Root
}

// replace puts a new file at path in the role's root (removing the hard
// link first, so the other hosts keep theirs).
func (c *clones) replace(role, path, body string, mode os.FileMode) {
	c.t.Helper()
	p := filepath.Join(c.root(role), path)
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		c.t.Fatal(err)
	}
}

// userProcesses lists the processes of the fleet's login user inside the
// fleet's host roots (sshd chroots every session there). The login user is
// shared by every fleet on the machine: another test's fleet running at the
// same time must not count as left behind here.
func userProcesses(t *testing.T, fl *testfleet.Fleet) []string {
	t.Helper()
	u, err := user.Lookup(fl.User)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	roots := map[string]bool{}
	for _, h := range fl.Hosts {
		if h.Root != "" {
			roots[filepath.Clean(h.Root)] = true
		}
	}
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		var st syscall.Stat_t
		if syscall.Stat(d, &st) != nil || int(st.Uid) != uid {
			continue
		}
		if root, err := os.Readlink(d + "/root"); err != nil || !roots[filepath.Clean(root)] {
			continue // gone, or another fleet's
		}
		if stat, err := os.ReadFile(d + "/stat"); err != nil || bytes.Contains(stat, []byte(") Z ")) {
			continue // gone, or a zombie: dead, waiting for init to reap it
		}
		cmd, _ := os.ReadFile(d + "/cmdline")
		out = append(out, filepath.Base(d)+" "+strings.TrimSpace(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))))
	}
	return out
}

// checksum hashes the fleet's host trees (the byte-identical proof).
func checksum(t *testing.T, fl *testfleet.Fleet) string {
	t.Helper()
	sum, err := fl.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// nothingLeft fails unless no process of the login user remains within 5 s.
func nothingLeft(t *testing.T, fl *testfleet.Fleet) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := userProcesses(t, fl)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("processes of %s left in the fleet 5 s after kaudit ended:\n%s", fl.User, strings.Join(left, "\n"))
			for _, l := range left {
				pid, _ := strconv.Atoi(strings.Fields(l)[0])
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func resultOf(h *report.Host, id string) policies.Result {
	for _, r := range h.Results {
		if r.ID == id {
			return r
		}
	}
	return policies.Result{}
}

func hostOf(t *testing.T, r *report.Report, name string) *report.Host {
	t.Helper()
	for i := range r.Hosts {
		if r.Hosts[i].Name == name {
			return &r.Hosts[i]
		}
	}
	t.Fatalf("no host %s in the report", name)
	return nil
}

// TestSickNodesOverSSH: against real OpenSSH, a hung dmesg that printed a
// leak line fails kmem.kernel_log (never a fallback pass), a hung runc is
// unknown naming its timeout, a FIFO in place of /proc/meminfo is refused,
// the same with bash and with busybox ash as /bin/sh, the healthy host is
// unaffected, each host gets one connection, and no process of the login
// user is left afterwards.
func TestSickNodesOverSSH(t *testing.T) {
	fl, bin, names := sickFleet(t)
	before := checksum(t, fl)
	out := t.TempDir()
	js := filepath.Join(out, "report.json")
	roots := map[string]string{}
	for _, role := range []string{"ok", "bash", "ash"} {
		h, err := fl.Host(names[role])
		if err != nil {
			t.Fatal(err)
		}
		roots[role] = h.Root
	}
	exes := watchExes(roots["ok"], roots["bash"], roots["ash"])
	start := time.Now()
	code, _, stderr := kaudit(t, fl, bin, 90*time.Second, "run", "-i", fl.Inventory, "--report", "json="+js)
	took := time.Since(start)
	nothingLeft(t, fl)
	if after := checksum(t, fl); after != before {
		t.Errorf("the sick nodes' trees changed during the audit: checksum %s -> %s", before, after)
	}
	t.Logf("kaudit run over %d hosts (%d sick) took %v, exit %d", len(names), len(names)-1, took, code)
	if code != 1 {
		t.Errorf("exit %d, want 1 (failing checks)\n%s", code, stderr)
	}
	// each clone ran under its shell, and only under it
	for role, want := range map[string]string{"ok": "dash", "bash": "bash", "ash": "busybox"} {
		ran := exes.exes(roots[role])
		t.Logf("%s (%s): programs run %v", role, names[role], ran)
		if !ran[want] {
			t.Errorf("%s: no %s process seen in %s while kaudit ran (seen: %v)", role, want, names[role], ran)
		}
		if want != "dash" && ran["dash"] {
			t.Errorf("%s: dash ran in %s, want /bin/sh to be %s only", role, names[role], want)
		}
	}
	r := readReport(t, js)
	// the healthy host and the sick ones agree on everything the faults
	// do not touch
	okHost := hostOf(t, r, names["ok"])
	if okHost.Status != report.HostNoncompliant || okHost.Facts == nil || okHost.Facts.Collector.Incomplete != "" || okHost.Reason != "" {
		t.Errorf("healthy host: status %s reason %q", okHost.Status, okHost.Reason)
	}
	if okHost.Facts != nil && !strings.Contains(okHost.Facts.Sources[facts.SectionKernelLog].Source, "dmesg") {
		t.Errorf("healthy host: kernel log %+v", okHost.Facts.Sources[facts.SectionKernelLog])
	}
	var all []*report.Host
	for _, role := range []string{"ok", "dmesg", "runc", "fifo", "bash", "ash"} {
		all = append(all, hostOf(t, r, names[role]))
	}
	for _, h := range all {
		if h.Facts == nil || h.Facts.Collector.Version != "2" || h.Reason != "" {
			t.Errorf("%s: facts %v, reason %q", h.Name, h.Facts != nil, h.Reason)
		} else if h.Facts.Collector.Watchdogs != "budget,stdin" {
			t.Errorf("%s: collector watchdogs %q, want budget,stdin (both started)", h.Name, h.Facts.Collector.Watchdogs)
		} else if h.Status != report.HostNoncompliant || h.Facts.Collector.Incomplete != "" {
			// seed 003 fails checks on every host; each collector ran to its end
			t.Errorf("%s: status %s, incomplete %q, want noncompliant, complete", h.Name, h.Status, h.Facts.Collector.Incomplete)
		}
	}
	for _, role := range []string{"dmesg", "bash"} {
		hungDmesg(t, role, hostOf(t, r, names[role]))
	}
	for _, role := range []string{"runc", "bash", "ash"} {
		hungRunc(t, role, hostOf(t, r, names[role]))
	}
	for _, role := range []string{"fifo", "bash", "ash"} {
		fifoMeminfo(t, role, hostOf(t, r, names[role]))
	}
	// the collector names bash; busybox's ash is "sh" to it (no /proc/$$/exe
	// in the chroot, and ash sets no version variable)
	if bh := hostOf(t, r, names["bash"]); bh.Facts != nil && !strings.HasPrefix(bh.Facts.Collector.Shell, "bash ") {
		t.Errorf("bash: collector shell %q, want bash VERSION", bh.Facts.Collector.Shell)
	}
	// the other checks agree with the healthy host's: the faults touch only
	// the kernel log, runc and meminfo
	for _, h := range all[1:] {
		for _, want := range okHost.Results {
			switch want.ID {
			case "kmem.kernel_log", "kmem.runc", "kmem.slab_pressure":
				continue
			}
			if got := resultOf(h, want.ID); got.Status != want.Status {
				t.Errorf("%s: %s %s %q, the healthy host's is %s %q", h.Name, want.ID, got.Status, got.Message, want.Status, want.Message)
			}
		}
	}
	stats, err := fl.SSHDStats()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		// one session per host; a second connection only from kaudit's
		// single retry of a connection reset before the host key (logged)
		if st := stats[n]; st.Sessions != 1 || st.Connections < 1 || st.Connections > 2 {
			t.Errorf("%s: %d connections, %d sessions, want 1 session on at most 2 connections", n, st.Connections, st.Sessions)
		} else if st.Connections == 2 {
			t.Logf("%s: 2 connections (the retry of a reset handshake), 1 session", n)
		}
	}
	if took > 60*time.Second {
		t.Errorf("the run took %v", took)
	}
}

// hungDmesg: a dmesg that printed a SLUB line and hung fails
// kmem.kernel_log with it, its scan timed out.
func hungDmesg(t *testing.T, role string, h *report.Host) {
	t.Helper()
	kl := resultOf(h, "kmem.kernel_log")
	if kl.Status != policies.StatusFail || !strings.Contains(kl.Message, "slub_alloc_fail") {
		t.Errorf("%s: hung dmesg: kmem.kernel_log %s %q, want fail with slub_alloc_fail", role, kl.Status, kl.Message)
	}
	if h.Facts == nil {
		return
	}
	if sc := h.Facts.KernelLog.Scans; len(sc) == 0 || sc[0].Source != "dmesg" || sc[0].Status != "timeout" {
		t.Errorf("%s: hung dmesg: scans %+v", role, sc)
	}
}

// hungRunc: a hung `runc --version` is unknown naming the timeout.
func hungRunc(t *testing.T, role string, h *report.Host) {
	t.Helper()
	if rr := resultOf(h, "kmem.runc"); rr.Status != policies.StatusUnknown || !strings.Contains(rr.Message, "timeout") {
		t.Errorf("%s: hung runc: kmem.runc %s %q, want unknown naming the timeout", role, rr.Status, rr.Message)
	}
	if h.Facts == nil {
		return
	}
	if s := h.Facts.Sources[facts.SectionRunc]; s == nil || s.Error != facts.ErrTimeout {
		t.Errorf("%s: hung runc: source %+v", role, s)
	}
}

// fifoMeminfo: a FIFO in place of /proc/meminfo is not opened; what needs
// it is unknown.
func fifoMeminfo(t *testing.T, role string, h *report.Host) {
	t.Helper()
	if h.Facts != nil {
		if s := h.Facts.Sources[facts.SectionMeminfo]; s == nil || s.Exit != 22 || !strings.Contains(s.Message, "not a regular file") {
			t.Errorf("%s: FIFO meminfo: source %+v", role, s)
		}
	}
	if sp := resultOf(h, "kmem.slab_pressure"); sp.Status != policies.StatusUnknown {
		t.Errorf("%s: FIFO meminfo: kmem.slab_pressure %s, want unknown", role, sp.Status)
	}
}

// TestInterruptedRunOverSSH: SIGINT (Ctrl-C) or SIGTERM (a CI job cancelled)
// while a host's dmesg hangs: kaudit exits 130 or 143 after writing the
// report, marked interrupted; the hung hosts keep the sections that arrived
// (incomplete, reason interrupted), under dash, bash and busybox ash alike;
// nothing is left on the fleet. SIGKILL (kaudit gone at once, no report):
// nothing is left either.
func TestInterruptedRunOverSSH(t *testing.T) {
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGKILL, -1}} {
		t.Run(tt.sig.String(), func(t *testing.T) { interruptedRun(t, tt.sig, tt.code) })
	}
}

func interruptedRun(t *testing.T, sig syscall.Signal, want int) {
	fl, bin, names := sickFleet(t)
	js := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := fl.Command(ctx, bin, "run", "-i", fl.Inventory, "--report", "json="+js)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the healthy host is done, dmesg and runc hang
	// ip netns exec execs kaudit in place: the pid is kaudit's.
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	nothingLeft(t, fl)
	if sig == syscall.SIGKILL {
		// kaudit itself killed: no report, but its connections closed, and
		// the collectors' stdin watchdogs reaped what they started
		return
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != want {
		t.Fatalf("exit %v, want %d\n%s", err, want, stderr.String())
	}
	r := readReport(t, js)
	if !r.Interrupted {
		t.Error("the report is not marked interrupted")
	}
	// 3 s in, dmesg hangs on the dmesg host, runc on the bash and ash ones
	for _, role := range []string{"dmesg", "bash", "ash"} {
		h := hostOf(t, r, names[role])
		if h.Status != report.HostIncomplete && h.Status != report.HostNoncompliant {
			t.Errorf("%s: hung host: status %s reason %q, want incomplete (partial facts)", role, h.Status, h.Reason)
		}
		if h.Reason != "interrupted" || h.Facts == nil || h.Facts.Kernel.Release == "" {
			t.Errorf("%s: hung host: reason %q facts kept %v", role, h.Reason, h.Facts != nil)
		}
	}
	if ok := hostOf(t, r, names["ok"]); ok.Reason != "" || len(ok.Results) == 0 {
		t.Errorf("the healthy host: reason %q, %d results", ok.Reason, len(ok.Results))
	}
}
