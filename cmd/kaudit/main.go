// Command kaudit audits a fleet of Linux nodes for the cgroup v1 kmem
// accounting leak and writes compliance reports. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/kaudit/kaudit/report"
)

// toolVersion is kaudit's release version.
const toolVersion = "0.1.0"

// Exit codes: the report package defines them (report.Exit*), with what
// each means; these are the CLI's short names for them.
const (
	exitOK         = report.ExitCompliant
	exitFailures   = report.ExitFailing
	exitUsage      = report.ExitUsage
	exitIncomplete = report.ExitIncomplete
)

// exitError carries an exit code out of a command. A nil err with a code
// means "already reported".
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage/inventory/policy error (exit 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

// The exit code of a run ended by a signal, after its reports were written:
// 128 + the signal's number, as a shell reports it (130 SIGINT, 143 SIGTERM).
func signalExit(sig syscall.Signal) int { return 128 + int(sig) }

func main() {
	// The first SIGINT or SIGTERM cancels the run: collectors are told to stop
	// (SSH signal, end of file on stdin), what arrived is evaluated and the
	// reports are written, then kaudit exits 130 or 143. A second one exits at
	// once (the connections close, and the collectors reap themselves).
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	var got atomic.Int32
	go func() {
		s := (<-sigs).(syscall.Signal)
		got.Store(int32(s))
		cancel()
		s = (<-sigs).(syscall.Signal)
		os.Exit(signalExit(s))
	}()
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if s := got.Load(); s != 0 {
		code = signalExit(syscall.Signal(s))
	}
	os.Exit(code)
}

// execute runs the command line and maps its outcome to an exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, getenv: os.Getenv}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "kaudit: %v\n", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors (unknown flag, bad args) are usage errors.
	fmt.Fprintf(stderr, "kaudit: %v\n", err)
	return exitUsage
}
