package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on
// every Linux architecture kaudit builds for).
const userHZ = 100

// nodeCPU returns the CPU (user + system) of the fleet's sshd processes in
// network namespace netns, with every descendant they have reaped: the
// per-connection sshd, its session and everything the remote command ran.
// The difference over one run is the host side's CPU for that run (the
// nodes' share of the machine); the clients are not sshd processes and are
// not counted. A descendant that was re-parented away from sshd (a
// daemonised process) is missed.
func nodeCPU(ctx context.Context, netns string) (time.Duration, error) {
	out, err := exec.CommandContext(ctx, "ip", "netns", "pids", netns).Output()
	if err != nil {
		return 0, fmt.Errorf("ip netns pids %s: %w", netns, err)
	}
	var ticks int64
	for _, f := range strings.Fields(string(out)) {
		stat, err := os.ReadFile("/proc/" + f + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		comm, t, err := statCPU(stat)
		if err != nil {
			return 0, fmt.Errorf("/proc/%s/stat: %w", f, err)
		}
		if comm == "sshd" {
			ticks += t
		}
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// statCPU parses a /proc/PID/stat line: the command name and utime + stime
// + cutime + cstime (fields 14-17 of proc(5)), in USER_HZ ticks.
func statCPU(stat []byte) (string, int64, error) {
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return "", 0, fmt.Errorf("no (comm) in %.60q", stat)
	}
	rest := strings.Fields(string(stat[end+1:]))
	// rest[0] is field 3 (state): fields 14-17 are rest[11:15]
	if len(rest) < 15 {
		return "", 0, fmt.Errorf("%d fields after comm, want at least 15", len(rest))
	}
	var sum int64
	for _, s := range rest[11:15] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return "", 0, fmt.Errorf("CPU time %q: not a tick count", s)
		}
		sum += v
	}
	return string(stat[open+1 : end]), sum, nil
}
