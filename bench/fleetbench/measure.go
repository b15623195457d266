package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// measureArg is the hidden first argument that makes fleetbench act as the
// measuring wrapper around one benchmarked command (see runMeasure).
const measureArg = "__measure"

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// Usage is what the wrapper measured for one command and everything it
// started, daemonised processes included.
type Usage struct {
	WallNS    int64 `json:"wall_ns"`     // start to exit of the command itself
	UserNS    int64 `json:"user_ns"`     // user CPU of every reaped descendant
	SysNS     int64 `json:"sys_ns"`      // system CPU of every reaped descendant
	MaxRSSKB  int64 `json:"max_rss_kb"`  // largest single process (getrusage ru_maxrss)
	PeakPSSKB int64 `json:"peak_pss_kb"` // largest sampled sum of Pss over the process tree
	Samples   int   `json:"samples"`     // tree memory samples taken
	Exit      int   `json:"exit"`        // exit status of the command (-1: killed by a signal)
	Leftovers int   `json:"leftovers"`   // descendants still running when the command exited
}

// CPU is user plus system time.
func (u Usage) CPU() time.Duration { return time.Duration(u.UserNS + u.SysNS) }

// Wall is the wall time.
func (u Usage) Wall() time.Duration { return time.Duration(u.WallNS) }

// runMeasure implements `fleetbench __measure RESULT STDOUT STDERR SAMPLE -- argv...`:
// it becomes a child subreaper (so processes that daemonise, like OpenSSH
// ControlPersist masters, are re-parented to it and their CPU still counts),
// runs argv in its own process group with stdout and stderr to files, samples
// the tree's proportional memory every SAMPLE, then stops and reaps whatever
// the command left running (SIGTERM, SIGKILL after 5 s) and writes the
// accumulated getrusage(RUSAGE_CHILDREN) as JSON to RESULT.
func runMeasure(args []string) error {
	if len(args) < 6 || args[4] != "--" {
		return errors.New("usage: fleetbench __measure RESULT STDOUT STDERR SAMPLE -- argv...")
	}
	resultPath, stdoutPath, stderrPath := args[0], args[1], args[2]
	sample, err := time.ParseDuration(args[3])
	if err != nil {
		return fmt.Errorf("measure: sample interval: %w", err)
	}
	argv := args[5:]
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
		return fmt.Errorf("measure: become a child subreaper: %w", e)
	}
	stdout, err := os.Create(stdoutPath)
	if err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	defer stdout.Close()
	stderr, err := os.Create(stderrPath)
	if err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	defer stderr.Close()

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stderr // *os.File: no copying goroutines
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("measure: start %s: %w", argv[0], err)
	}
	pgid := cmd.Process.Pid
	go func() {
		if _, ok := <-sigs; ok {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}()

	self := os.Getpid()
	var peak peakPSS
	stopSampling := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Go(func() {
		t := time.NewTicker(sample)
		defer t.Stop()
		for {
			peak.sample(self)
			select {
			case <-t.C:
			case <-stopSampling:
				return
			}
		}
	})

	waitErr := cmd.Wait()
	wall := time.Since(start)
	close(stopSampling)
	sampling.Wait()

	u := Usage{WallNS: int64(wall), Exit: cmd.ProcessState.ExitCode()}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return fmt.Errorf("measure: wait %s: %w", argv[0], waitErr)
	}
	u.Leftovers = reapLeftovers(self)

	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return fmt.Errorf("measure: getrusage: %w", err)
	}
	u.UserNS = ru.Utime.Nano()
	u.SysNS = ru.Stime.Nano()
	u.MaxRSSKB = ru.Maxrss
	u.PeakPSSKB, u.Samples = peak.get()
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return os.WriteFile(resultPath, data, 0o644)
}

// reapLeftovers stops the processes re-parented to this subreaper after the
// command exited (SIGTERM, then SIGKILL after 5 s) and reaps them, so that
// their CPU time is in RUSAGE_CHILDREN. It returns how many there were.
func reapLeftovers(self int) int {
	left := childrenOf(self)
	for _, pid := range left {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	if len(left) == 0 {
		return 0
	}
	killed := time.AfterFunc(5*time.Second, func() {
		for _, pid := range childrenOf(self) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	defer killed.Stop()
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.ECHILD) {
			return len(left)
		}
		if err != nil && !errors.Is(err, syscall.EINTR) {
			return len(left)
		}
	}
}

// procStat is the part of /proc/PID/stat the wrapper needs.
type procStat struct {
	pid, ppid int
}

// parseProcStat reads pid and ppid from a /proc/PID/stat line (the command
// name in parentheses may contain spaces and parentheses).
func parseProcStat(line string) (procStat, bool) {
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 1 || end < open {
		return procStat{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return procStat{}, false
	}
	f := strings.Fields(line[end+1:])
	if len(f) < 2 {
		return procStat{}, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procStat{}, false
	}
	return procStat{pid: pid, ppid: ppid}, true
}

// processes lists every process's pid and ppid.
func processes() []procStat {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := make([]procStat, 0, len(entries))
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		if s, ok := parseProcStat(string(b)); ok {
			out = append(out, s)
		}
	}
	return out
}

func childrenOf(pid int) []int {
	var out []int
	for _, p := range processes() {
		if p.ppid == pid {
			out = append(out, p.pid)
		}
	}
	return out
}

// descendants returns every process below root (root excluded).
func descendants(root int, procs []procStat) []int {
	kids := map[int][]int{}
	for _, p := range procs {
		kids[p.ppid] = append(kids[p.ppid], p.pid)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, k := range kids[p] {
			out = append(out, k)
			queue = append(queue, k)
		}
	}
	return out
}

// peakPSS keeps the largest sum of Pss seen over the process tree.
type peakPSS struct {
	mu      sync.Mutex
	peakKB  int64
	samples int
}

func (p *peakPSS) sample(root int) {
	var sum int64
	for _, pid := range descendants(root, processes()) {
		sum += pssKB(pid)
	}
	p.mu.Lock()
	p.peakKB = max(p.peakKB, sum)
	p.samples++
	p.mu.Unlock()
}

func (p *peakPSS) get() (int64, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakKB, p.samples
}

// pssKB is the Pss line of /proc/PID/smaps_rollup (0 when gone).
func pssKB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	return parsePss(b)
}

// parsePss returns the "Pss:" value (kB) of a smaps_rollup document.
func parsePss(b []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "Pss:" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return 0
}
