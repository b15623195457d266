package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"github.com/kaudit/kaudit/inventory"
)

// LocalOptions configure the local transport.
type LocalOptions struct {
	MaxStdout int64 // default DefaultMaxStdout
	MaxStderr int   // default DefaultMaxStderr
	Shell     string
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

// Run runs `sh -c cmd` with stdin, bounded by h.SSH.Timeout. The process group
// is killed on timeout, cancellation or when stdout exceeds the cap.
func (l *Local) Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*Result, error) {
	start := time.Now()
	timeout := orDefault(h.SSH.Timeout, DefaultTimeout)
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := exec.CommandContext(runCtx, l.opts.Shell, "-c", cmd)
	c.Stdin = bytes.NewReader(stdin)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = time.Second
	stderr := &stderrBuffer{max: l.opts.MaxStderr, onSudo: cancel}
	c.Stderr = stderr
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, &Error{Reason: ReasonCollector, Host: h.Name, Msg: "cannot set up the local command", Err: err}
	}
	if err := c.Start(); err != nil {
		return nil, &Error{Reason: ReasonCollector, Host: h.Name, Msg: "cannot start " + l.opts.Shell + " for the local collector", Err: err}
	}
	stdout, truncated, _ := readCapped(out, l.opts.MaxStdout)
	if truncated {
		_ = c.Cancel()
	}
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
		return res, &Error{Reason: ReasonTimeout, Host: h.Name,
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
