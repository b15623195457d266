package transport

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
)

func TestLocalRun(t *testing.T) {
	h := &inventory.Host{Name: "localhost", Transport: "local", SSH: inventory.SSHSettings{Timeout: 10 * time.Second}}
	junk := "\x1b[1mbold\x1b[0m \xff\xfe caf\xc3\xa9"
	tests := []struct {
		name      string
		cmd       string
		stdin     string
		max       int64
		stdout    string
		exit      int
		truncated bool
		reason    string
	}{
		{name: "stdin to stdout", cmd: "cat", stdin: "a\nb\n", stdout: "a\nb\n"},
		{name: "exit status", cmd: "printf out; exit 7", stdout: "out", exit: 7},
		{name: "junk bytes kept", cmd: "cat", stdin: junk, stdout: junk},
		{name: "capped", cmd: "yes | head -c 100000", max: 1000, stdout: string(bytes.Repeat([]byte("y\n"), 500)), exit: -1, truncated: true},
		{name: "endless output capped", cmd: "yes", max: 10, stdout: "y\ny\ny\ny\ny\n", exit: -1, truncated: true},
		{name: "sudo refuses", cmd: "echo 'sudo: a password is required' >&2; exit 1", exit: 1, reason: ReasonSudo},
		{name: "sudo prompt waits", cmd: "printf '[sudo] password for me: ' >&2; sleep 30", exit: -1, reason: ReasonSudo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewLocal(LocalOptions{MaxStdout: tt.max}).Run(testCtx(t), h, tt.cmd, []byte(tt.stdin))
			if tt.reason != "" {
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Stdout) != tt.stdout || res.Exit != tt.exit || res.Truncated != tt.truncated {
				t.Fatalf("stdout %q exit %d truncated %v", res.Stdout, res.Exit, res.Truncated)
			}
		})
	}
}

func TestLocalTimeoutAndCancel(t *testing.T) {
	h := &inventory.Host{Name: "localhost", SSH: inventory.SSHSettings{Timeout: 200 * time.Millisecond}}
	_, err := NewLocal(LocalOptions{}).Run(testCtx(t), h, "sleep 30", nil)
	wantReason(t, err, ReasonTimeout, "did not finish within 200ms")

	h.SSH.Timeout = time.Minute
	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = NewLocal(LocalOptions{}).Run(ctx, h, "sleep 30", nil)
	wantReason(t, err, ReasonTimeout, "interrupted")
}
