package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// TestSickNodeFaultsOverSSH runs kaudit once, over real OpenSSH, against
// six clones of seed 003's node, each sick in its own way:
//   - fork:    every fork fails (RLIMIT_NPROC 1 for the login session)
//   - budget:  the host's timeout is 8 s and dmesg hangs silently, ignoring
//     SIGTERM, so the node budget runs out inside the collector
//   - flood:   dmesg writes leak signatures without end
//   - version: /proc/version is 50 MiB without a newline
//   - spin:    dmesg spins, ignoring SIGTERM, printing nothing
//   - reset:   the node's sshd session dies while dmesg hangs
//
// Each keeps the evidence that arrived, gets no pass it did not earn, and
// leaves no process behind.
func TestSickNodeFaultsOverSSH(t *testing.T) {
	c := startClones(t, "ok", "fork", "budget", "flood", "version", "spin", "reset")
	hang := "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 1; done\n"

	// fork: /bin/sh is dash behind a one-process limit. The kernel runs the
	// script without a fork; the limit counts the user's processes, so
	// every fork the collector tries fails.
	c.replace("fork", "usr/bin/sh", "#!/usr/bin/dash\nulimit -p 1\nexec /usr/bin/dash \"$@\"\n", 0o755)

	c.replace("budget", "usr/bin/dmesg", hang, 0o755)
	inv, err := os.ReadFile(c.fl.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	block := "host \"" + c.names["budget"] + "\" {\n"
	if !bytes.Contains(inv, []byte(block)) {
		t.Fatalf("no host block %q in the inventory", block)
	}
	inv = bytes.Replace(inv, []byte(block), []byte(block+"  timeout = \"8s\"\n"), 1)
	if err := os.WriteFile(c.fl.Inventory, inv, 0o644); err != nil {
		t.Fatal(err)
	}

	const slub = "[ 4242.1] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)"
	c.replace("flood", "usr/bin/dmesg", "#!/bin/sh\nexec /usr/bin/busybox yes '"+slub+"'\n", 0o755)

	c.replace("version", "proc/version", strings.Repeat("Linux version 3.10.0 ", 50<<20/21), 0o444)

	c.replace("spin", "usr/bin/dmesg", "#!/bin/sh\ntrap '' TERM\nwhile :; do :; done\n", 0o755)

	c.replace("reset", "usr/bin/dmesg", hang, 0o755)
	resetRoot := c.root("reset")

	before := checksum(t, c.fl)
	js := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var killed string
	wg.Add(1)
	go func() {
		defer wg.Done()
		killed = killSession(ctx, t, c.fl, resetRoot)
	}()
	start := time.Now()
	code, _, stderr := kaudit(t, c.fl, c.bin, 90*time.Second, "run", "-i", c.fl.Inventory, "--report", "json="+js)
	took := time.Since(start)
	cancel()
	wg.Wait()
	nothingLeft(t, c.fl)
	if after := checksum(t, c.fl); after != before {
		t.Errorf("the sick nodes' trees changed during the audit: checksum %s -> %s", before, after)
	}
	t.Logf("kaudit run over 7 hosts (6 sick) took %v, exit %d; reset host: %s", took, code, killed)
	if code != 1 && code != 3 {
		t.Errorf("exit %d, want 1 (failing checks) or 3 (incomplete hosts)\n%s", code, stderr)
	}
	r := readReport(t, js)
	for _, h := range r.Hosts {
		if h.Facts == nil {
			t.Errorf("%s: %s (%s): no facts kept", h.Name, h.Status, h.Reason)
			continue
		}
		t.Logf("%s: %s reason %q watchdogs %q budget %ds kernel_log %+v", h.Name, h.Status, h.Reason,
			h.Facts.Collector.Watchdogs, h.Facts.Collector.BudgetS, h.Facts.KernelLog.Scans)
		// never a pass on a kernel log that was not read to its end
		if kl := resultOf(&h, "kmem.kernel_log"); kl.Status == policies.StatusPass &&
			(h.Facts.KernelLog.Complete == nil || !*h.Facts.KernelLog.Complete) {
			t.Errorf("%s: kmem.kernel_log passes on an incomplete kernel log: %q", h.Name, kl.Message)
		}
	}

	// fork: the collector ran with no watchdog and no external command;
	// what needs a command is unknown, never pass.
	fk := hostOf(t, r, c.names["fork"])
	if fk.Facts != nil {
		if fk.Facts.Collector.Watchdogs != "none" {
			t.Errorf("fork: watchdogs %q, want none", fk.Facts.Collector.Watchdogs)
		}
		forks := 0
		for _, s := range fk.Facts.Sources {
			if s.Error == facts.ErrFork {
				forks++
			}
		}
		if forks == 0 {
			t.Errorf("fork: no section failed to fork: %+v", fk.Facts.Sources)
		}
		for _, id := range []string{"kmem.runc", "kmem.kernel_log"} {
			if res := resultOf(fk, id); res.Status != policies.StatusUnknown {
				t.Errorf("fork: %s %s %q, want unknown", id, res.Status, res.Message)
			}
		}
	}

	// budget: dmesg timed out inside the node budget, the sections after it
	// were not run (budget), and the host was not timed out by kaudit.
	bd := hostOf(t, r, c.names["budget"])
	if bd.Facts != nil {
		// what is left of the 8 s once connected, less the 2 s margin
		if b := bd.Facts.Collector.BudgetS; b < 4 || b > 6 {
			t.Errorf("budget: node budget %ds, want 4-6 (8 s timeout less connecting and the margin)", b)
		}
		sc := bd.Facts.KernelLog.Scans
		if len(sc) == 0 || sc[0].Source != "dmesg" || sc[0].Status != "timeout" {
			t.Errorf("budget: kernel log scans %+v, want dmesg timeout first", sc)
		}
		if len(sc) < 2 || sc[len(sc)-1].Status != "budget" {
			t.Errorf("budget: kernel log scans %+v, want the next source not run (budget)", sc)
		}
		if bd.Facts.Collector.Incomplete != "" || bd.Reason != "" {
			t.Errorf("budget: the collector did not finish inside its budget: reason %q: %s", bd.Reason, bd.Facts.Collector.Incomplete)
		}
		if kl := resultOf(bd, "kmem.kernel_log"); kl.Status != policies.StatusUnknown {
			t.Errorf("budget: kmem.kernel_log %s %q, want unknown", kl.Status, kl.Message)
		}
	}

	// flood: the endless leak lines fail kmem.kernel_log, capped.
	fd := hostOf(t, r, c.names["flood"])
	if kl := resultOf(fd, "kmem.kernel_log"); kl.Status != policies.StatusFail || !strings.Contains(kl.Message, "slub_alloc_fail") {
		t.Errorf("flood: kmem.kernel_log %s %q, want fail with slub_alloc_fail", kl.Status, kl.Message)
	}
	if fd.Facts != nil {
		if sc := fd.Facts.KernelLog.Scans; len(sc) == 0 || sc[0].Source != "dmesg" || (sc[0].Status != "truncated" && sc[0].Status != "timeout") {
			t.Errorf("flood: scans %+v, want dmesg cut (truncated) or timed out", sc)
		}
		if fd.Facts.Collector.Bytes > 4<<20 {
			t.Errorf("flood: %d bytes came back from the node, want the counts, not the log", fd.Facts.Collector.Bytes)
		}
	}

	// version: /proc/version is read only up to its cap.
	vr := hostOf(t, r, c.names["version"])
	if vr.Facts != nil {
		if s := vr.Facts.Sources[facts.SectionProcVersion]; s == nil || !s.Truncated {
			t.Errorf("version: /proc/version source %+v, want truncated", s)
		}
		if len(vr.Facts.Kernel.Version) > 1<<20 {
			t.Errorf("version: kernel version of %d bytes kept", len(vr.Facts.Kernel.Version))
		}
		if vr.Reason != "" {
			t.Errorf("version: reason %q, want a finished collection", vr.Reason)
		}
	}

	// spin: a dmesg that prints nothing and spins is timed out; no
	// signature seen is not "no leak".
	sp := hostOf(t, r, c.names["spin"])
	if sp.Facts != nil {
		if sc := sp.Facts.KernelLog.Scans; len(sc) == 0 || sc[0].Source != "dmesg" || sc[0].Status != "timeout" {
			t.Errorf("spin: scans %+v, want dmesg timeout", sc)
		}
	}
	if kl := resultOf(sp, "kmem.kernel_log"); kl.Status != policies.StatusUnknown {
		t.Errorf("spin: kmem.kernel_log %s %q, want unknown", kl.Status, kl.Message)
	}

	// reset: the sections before dmesg are kept, the host is incomplete,
	// and it is not called unreachable.
	rs := hostOf(t, r, c.names["reset"])
	if killed == "" {
		t.Errorf("reset: no session of %s was found to kill", c.names["reset"])
	} else {
		// seed 003 fails checks on what arrived: noncompliant outranks
		// incomplete; the reason and the kept sections say it was cut
		if rs.Status == report.HostUnreachable || rs.Status == report.HostCompliant || rs.Reason == "" ||
			rs.Facts == nil || rs.Facts.Kernel.Release == "" || rs.Facts.Collector.Incomplete == "" {
			t.Errorf("reset: status %s reason %q facts %v, want the sections that arrived kept and the host marked cut", rs.Status, rs.Reason, rs.Facts != nil)
		}
		if sc := rs.Facts.KernelLog.Scans; len(sc) == 0 || sc[0].Status == "complete" {
			t.Errorf("reset: kernel log scans %+v", sc)
		}
		if kl := resultOf(rs, "kmem.kernel_log"); kl.Status != policies.StatusUnknown {
			t.Errorf("reset: kmem.kernel_log %s %q, want unknown", kl.Status, kl.Message)
		}
	}

	ok := hostOf(t, r, c.names["ok"])
	if ok.Reason != "" || ok.Status != report.HostNoncompliant {
		t.Errorf("healthy host: status %s reason %q", ok.Status, ok.Reason)
	}
	if took > 60*time.Second {
		t.Errorf("the run took %v", took)
	}
}

// killSession waits until a dmesg runs in root (the collector reached its
// kernel log, so the sections before it were sent), then kills the sshd
// session process chrooted there, as a crashing sshd or a dropped
// connection would end it. It returns what it killed.
func killSession(ctx context.Context, t *testing.T, fl *testfleet.Fleet, root string) string {
	inRoot := func(pid string) bool {
		r, err := os.Readlink("/proc/" + pid + "/root")
		return err == nil && r == root
	}
	for ctx.Err() == nil {
		var dmesg bool
		var sshd []string
		for _, p := range userProcesses(t, fl) {
			pid, cmd, _ := strings.Cut(p, " ")
			if !inRoot(pid) {
				continue
			}
			switch {
			case strings.Contains(cmd, "/usr/bin/dmesg"):
				dmesg = true
			case strings.HasPrefix(cmd, "sshd:"):
				sshd = append(sshd, pid)
			}
		}
		if dmesg && len(sshd) > 0 {
			time.Sleep(500 * time.Millisecond)
			var done []string
			for _, pid := range sshd {
				n, err := strconv.Atoi(pid)
				if err == nil && syscall.Kill(n, syscall.SIGKILL) == nil {
					done = append(done, pid)
				}
			}
			return "killed sshd session " + strings.Join(done, ",")
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return ""
}
