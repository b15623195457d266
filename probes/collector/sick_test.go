package collector_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

// sickRun runs the collector as kaudit does ("watch": stdin held open) with
// budget seconds against h, closing stdin after closeAfter (0: when the
// script's output ends). It returns the output and how long the script ran.
func sickRun(t *testing.T, sh collectortest.Shell, h collectortest.Host, budget string, closeAfter time.Duration) ([]byte, time.Duration) {
	t.Helper()
	argv := append(append([]string{}, sh.Argv...), "-s", "--", nonce, budget, "watch")
	cmd := exec.Command(argv[0], argv[1:]...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = pr
	cmd.Env = []string{"KAUDIT_ROOT=" + h.Root, "PATH=" + h.Bin + ":/usr/bin:/bin", "HOME=/nonexistent"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout = &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	if _, err := pw.Write(collector.Script()); err != nil {
		t.Fatal(err)
	}
	if closeAfter > 0 {
		time.AfterFunc(closeAfter, func() { pw.Close() })
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("%s: the collector did not end within 60 s", sh.Name)
	}
	pw.Close()
	return out.Bytes(), time.Since(start)
}

// writeScript writes an executable script dir/name.
func writeScript(t *testing.T, dir, name, body string) {
	t.Helper()
	collectortest.Mkdir(t, dir)
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestScriptSickNodeHungDmesg: a dmesg that prints a leak line, ignores
// SIGTERM, spins and leaves a child: its section times out with the line
// counted, nothing it started survives, and the rest of the run goes on.
func TestScriptSickNodeHungDmesg(t *testing.T) {
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			if sh.Name == "busybox" {
				// busybox sh runs its own dmesg applet, not a stub (the fleet
				// uses dash for that reason); its timers and reaping are
				// covered by the hung runc of TestScriptSickNodeStdinClosed.
				return
			}
			h := collectortest.RHEL7Node(t)
			marker := fmt.Sprintf("kaudit-sick-%s-%d", sh.Name, os.Getpid())
			writeScript(t, h.Bin, marker, "trap '' TERM\nwhile :; do sleep 1; done\n")
			writeScript(t, h.Bin, "dmesg", `trap '' TERM
echo "[ 9.9] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)"
`+filepath.Join(h.Bin, marker)+` &
while :; do :; done
`)
			raw, took := sickRun(t, sh, h, "10", 0)
			testenv.NoneLeft(t, h.Bin+"/dmesg")
			testenv.NoneLeft(t, marker)
			run := collector.SplitRun(raw, nonce)
			if !run.Done {
				t.Fatalf("no DONE after %v (%d bytes):\n%s", took, len(raw), tail(raw))
			}
			f := parse.Build("n", run.Sections)
			if f.KernelLog.Signatures[facts.SigSlubAlloc] == nil {
				t.Errorf("the SLUB line printed before the timeout was dropped: %+v", f.KernelLog)
			}
			if len(f.KernelLog.Scans) == 0 || f.KernelLog.Scans[0].Status != "timeout" {
				t.Errorf("scans %+v, want dmesg timed out first", f.KernelLog.Scans)
			}
			if took > 11*time.Second {
				t.Errorf("took %v with a 10 s budget", took)
			}
			t.Logf("%s: hung dmesg: %v, scans %+v", sh.Name, took, f.KernelLog.Scans)
		})
	}
}

// TestScriptSickNodeStdinClosed: kaudit going away (end of file on stdin)
// while runc --version hangs with a child reaps everything at once.
func TestScriptSickNodeStdinClosed(t *testing.T) {
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			h := collectortest.RHEL7Node(t)
			marker := fmt.Sprintf("kaudit-eof-%s-%d", sh.Name, os.Getpid())
			writeScript(t, h.Bin, marker, "trap '' TERM\nwhile :; do sleep 1; done\n")
			writeScript(t, h.Bin, "runc", "trap '' TERM\n"+filepath.Join(h.Bin, marker)+" &\nwhile :; do sleep 1; done\n")
			raw, took := sickRun(t, sh, h, "50", 1500*time.Millisecond)
			testenv.NoneLeft(t, marker)
			if took > 6*time.Second {
				t.Errorf("the collector ran %v after stdin closed at 1.5 s", took)
			}
			if run := collector.SplitRun(raw, nonce); run.Done {
				t.Errorf("DONE although the run was ended")
			}
		})
	}
}

// TestScriptSickNodeBoundedReads: a FIFO in place of /proc/meminfo, a 50 MiB
// /proc/version without a newline and a kubelet that floods its output are
// each bounded: the run ends in seconds with those sections refused or cut.
func TestScriptSickNodeBoundedReads(t *testing.T) {
	for _, sh := range collectortest.Shells(t) {
		t.Run(sh.Name, func(t *testing.T) {
			h := collectortest.RHEL7Node(t)
			mi := filepath.Join(h.Root, "proc/meminfo")
			os.Remove(mi)
			if err := syscall.Mkfifo(mi, 0o644); err != nil {
				t.Fatal(err)
			}
			big := bytes.Repeat([]byte("Linux version 3.10.0 "), 50<<20/21)
			if err := os.WriteFile(filepath.Join(h.Root, "proc/version"), big, 0o644); err != nil {
				t.Fatal(err)
			}
			writeScript(t, h.Bin, "kubelet", "while :; do echo 'Kubernetes v1.15.5 flood flood flood flood flood flood'; done\n")
			raw, took := sickRun(t, sh, h, "20", 0)
			testenv.NoneLeft(t, h.Bin+"/kubelet")
			run := collector.SplitRun(raw, nonce)
			if !run.Done {
				t.Fatalf("no DONE after %v", took)
			}
			f := parse.Build("n", run.Sections)
			if s := f.Sources[facts.SectionMeminfo]; s.Exit != 22 || !strings.Contains(s.Message, "not a regular file") {
				t.Errorf("meminfo FIFO: %+v", s)
			}
			if s := f.Sources[facts.SectionProcVersion]; s.Error != facts.ErrTruncated || f.Kernel.Version != "" {
				t.Errorf("50 MiB /proc/version: %+v (version %q)", s, f.Kernel.Version[:min(40, len(f.Kernel.Version))])
			}
			if s := f.Sources[facts.SectionKubelet]; s.Error != facts.ErrTruncated {
				t.Errorf("flooding kubelet: %+v", s)
			}
			if took > 10*time.Second {
				t.Errorf("took %v", took)
			}
			t.Logf("%s: FIFO + 50 MiB line + flood: %v, %d bytes out", sh.Name, took, len(raw))
		})
	}
}

func tail(b []byte) string {
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}
