package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"golang.org/x/sys/unix"
)

// LocalOptions configure the local transport.
type LocalOptions struct {
	MaxStdout int64 // default DefaultMaxStdout
	MaxStderr int   // default DefaultMaxStderr
	Shell     string
	// HoldStdin: as SSHOptions.HoldStdin.
	HoldStdin bool
}

// Local runs commands on this machine with `sh -c` (transport = "local").
type Local struct {
	opts LocalOptions
}

// NewLocal returns a local transport.
func NewLocal(opts LocalOptions) *Local {
	opts.MaxStdout = orDefault(opts.MaxStdout, DefaultMaxStdout)
	opts.MaxStderr = orDefault(opts.MaxStderr, DefaultMaxStderr)
	if opts.Shell == "" {
		opts.Shell = "/bin/sh"
	}
	return &Local{opts: opts}
}

// localGrace is how long the local command has, after its stdin was closed
// on timeout or cancellation, to reap what it started before its session is
// killed.
const localGrace = 4 * time.Second

// Run runs `sh -c cmd` with stdin, bounded by h.SSH.Timeout. The command gets
// a session of its own (setsid: never kaudit's terminal or process group).
// stdin is written and kept open until the output ends; on timeout or
// cancellation it is closed (the collector's watchdog then kills everything
// it started), and after localGrace every process left in the session's
// process group is killed. The output read so far is returned with the error.
func (l *Local) Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*Result, error) {
	start := time.Now()
	timeout := orDefault(h.SSH.Timeout, DefaultTimeout)
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := exec.Command(l.opts.Shell, "-c", cmd)
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, &Error{Reason: ReasonCollector, Host: h.Name, Msg: "cannot set up the local command", Err: err}
	}
	defer stdinR.Close()
	var closeIn sync.Once
	closeStdin := func() { closeIn.Do(func() { _ = stdinW.Close() }) }
	defer closeStdin()
	c.Stdin = stdinR
	stderr := &stderrBuffer{max: l.opts.MaxStderr, onSudo: cancel}
	c.Stderr = stderr
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, &Error{Reason: ReasonCollector, Host: h.Name, Msg: "cannot set up the local command", Err: err}
	}
	if err := c.Start(); err != nil {
		return nil, &Error{Reason: ReasonCollector, Host: h.Name, Msg: "cannot start " + l.opts.Shell + " for the local collector", Err: err}
	}
	_ = stdinR.Close()
	pgid := c.Process.Pid
	// The leader is reaped only by c.Wait, after the last kill: until then
	// its pid (the group id) cannot be reused, so killing -pgid never hits
	// another process group.
	killGroup := func(sig syscall.Signal) { _ = syscall.Kill(-pgid, sig) }
	go func() {
		_, _ = stdinW.Write(stdin)
		if !l.opts.HoldStdin {
			closeStdin()
		}
	}()
	// On timeout or cancellation: end of file on stdin (the collector reaps
	// what it started and exits), then after localGrace the group is killed
	// and the output abandoned.
	graceUp := make(chan struct{})
	stop := context.AfterFunc(runCtx, func() {
		closeStdin()
		time.AfterFunc(localGrace, func() {
			killGroup(syscall.SIGKILL)
			close(graceUp)
			time.AfterFunc(time.Second, func() { _ = out.(io.Closer).Close() })
		})
	})
	defer stop()
	stdout, truncated, _ := readCapped(out, l.opts.MaxStdout)
	closeStdin()
	if truncated {
		killGroup(syscall.SIGTERM)
	}
	exited := make(chan struct{})
	go func() {
		var info unix.Siginfo
		for {
			err := unix.Waitid(unix.P_PID, pgid, &info, unix.WEXITED|unix.WNOWAIT, nil)
			if err != syscall.EINTR {
				break
			}
		}
		close(exited)
	}()
	select {
	case <-exited:
	case <-graceUp:
		<-exited
	}
	if runCtx.Err() != nil {
		// Cut short: the collector's stdin watchdog is still reaping what it
		// started (in other process groups too); killing its group now would
		// end it halfway. The group is killed when the grace is up.
		<-graceUp
	}
	// Whatever is left in the command's group (nothing, normally) goes too.
	killGroup(syscall.SIGKILL)
	waitErr := c.Wait()
	res := &Result{Stdout: stdout, Stderr: stderr.Bytes(), Truncated: truncated, Exit: -1, Duration: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case truncated:
	case waitErr == nil:
		res.Exit = 0
	case errors.As(waitErr, &exitErr) && exitErr.Exited():
		res.Exit = exitErr.ExitCode()
	}
	if line := sudoLine(res.Stderr); line != "" && res.Exit != 0 {
		return res, sudoError(h.Name, "this machine", line)
	}
	if truncated {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return res, interrupted(h.Name, err)
	}
	if runCtx.Err() != nil {
		return res, &Error{Reason: ReasonTimeout, Host: h.Name, Err: context.DeadlineExceeded,
			Msg: fmt.Sprintf("the local collector did not finish within %s (timeout); raise timeout", timeout)}
	}
	return res, nil
}

// interrupted is the error of a host whose run was cancelled by the caller.
func interrupted(host string, cause error) *Error {
	return &Error{Reason: ReasonTimeout, Host: host, Msg: "interrupted before the collector finished; run again", Err: cause}
}

// sudoError is the error of a host where sudo could not run non-interactively.
func sudoError(host, where, line string) *Error {
	return &Error{Reason: ReasonSudo, Host: host,
		Msg: fmt.Sprintf("sudo on %s cannot run without a password or tty (%q); allow the login user passwordless sudo "+
			"(NOPASSWD, no requiretty) for the collector, or set sudo = false", where, line)}
}
