// Package transport runs one command on one host and returns its output: over
// SSH (with bastions, host key verification and ssh_config support) or locally.
//
// A host gets ONE TCP connection (or one channel through its bastion's shared
// connection) and ONE exec request. Failures are *Error values whose Reason is
// one of the unreachable reasons of the product contract (dns, connect,
// timeout, hostkey, auth, sudo, collector) and whose Msg tells the operator
// what to do. docs/ssh.md documents the behaviour.
package transport

import (
	"context"
	"errors"
	"time"

	"github.com/kaudit/kaudit/inventory"
)

// Unreachable reasons (docs/ssh.md has the operator message for each).
const (
	ReasonDNS       = "dns"       // the address does not resolve
	ReasonConnect   = "connect"   // refused, no route, connection lost, bastion could not reach the host
	ReasonTimeout   = "timeout"   // connect/handshake or the whole host took too long, or the run was interrupted
	ReasonHostKey   = "hostkey"   // host key unknown (strict), changed or revoked
	ReasonAuth      = "auth"      // no usable credential, or the server rejected them
	ReasonSudo      = "sudo"      // sudo wants a password or a tty, or the user may not sudo
	ReasonCollector = "collector" // the command could not run, or produced nothing usable
	// ReasonInterrupted: the run was cancelled (Ctrl-C, SIGTERM) while this
	// host's collector was running. Hosts that sent output keep it
	// (incomplete); those that sent none are unreachable with ReasonTimeout.
	ReasonInterrupted = "interrupted"
)

// Output caps.
const (
	DefaultMaxStdout = 4 << 20  // 4 MiB
	DefaultMaxStderr = 64 << 10 // 64 KiB
)

// Defaults used when the inventory leaves a setting at zero.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultPort           = 22
)

// Result is the output of one command run.
type Result struct {
	Stdout    []byte // at most the stdout cap
	Stderr    []byte // at most the stderr cap
	Exit      int    // exit status; -1 when unknown (output truncated, killed by a signal)
	Truncated bool   // stdout hit the cap; the command was stopped there
	Duration  time.Duration
}

// Runner runs cmd on h with stdin and returns its output. A command that
// runs and exits non-zero is a Result, not an error; errors are *Error.
type Runner interface {
	Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*Result, error)
}

// LeftRunner is a Runner that builds the command only once the host is
// connected, from the time left of the host's timeout at that moment: the
// collector's node budget then excludes the time spent connecting (a slow
// handshake, a retried reset), so the node ends its run before kaudit gives
// up on the host, and what was read arrives.
type LeftRunner interface {
	RunLeft(ctx context.Context, h *inventory.Host, cmd func(left time.Duration) string, stdin []byte) (*Result, error)
}

// Error is a failure to run the command on a host.
type Error struct {
	Reason string // one of the Reason* constants
	Host   string // inventory host name
	Msg    string // what happened and what the operator should do
	Err    error  // the underlying error, if any
}

// Error returns Msg and the underlying error; callers name the host (the
// runner wraps it as "collect HOST: ...").
func (e *Error) Error() string {
	s := e.Msg
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the Reason of the first *Error in err's chain, or
// ReasonCollector when there is none; "" for a nil error.
func ReasonOf(err error) string {
	if err == nil {
		return ""
	}
	var te *Error
	if errors.As(err, &te) {
		return te.Reason
	}
	return ReasonCollector
}

// orDefault returns v, or def when v is zero or negative.
func orDefault[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
