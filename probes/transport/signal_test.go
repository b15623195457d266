package transport

import (
	"bytes"
	"testing"
	"time"

	"github.com/kaudit/kaudit/probes/transport/sshtest"
)

// TestSSHGiveUpSendsTermSignal: a command that never ends (it ignores the end
// of its stdin) past the host's timeout gets the SSH "signal" request (TERM)
// before kaudit closes the connection, the output so far is returned, and
// kaudit never asks for a pty (a pty would hand the command a terminal's
// job control and SIGHUP semantics instead of the collector's own reaping).
func TestSSHGiveUpSendsTermSignal(t *testing.T) {
	srv := sshtest.New(t, func(e *sshtest.Exec) int {
		e.Stdout.Write([]byte("partial\n"))
		select {
		case <-e.Done:
		case <-time.After(20 * time.Second):
		}
		return 0
	})
	h := srv.Host("hung", sshtest.KnownHosts(t, srv))
	h.SSH.Timeout = 1500 * time.Millisecond
	res, err := testSSH(t, SSHOptions{HoldStdin: true}).Run(testCtx(t), h, "sh -s", []byte("x"))
	wantReason(t, err, ReasonTimeout, "timeout")
	if res == nil || !bytes.Equal(res.Stdout, []byte("partial\n")) {
		t.Fatalf("the output received before the timeout was not returned: %+v", res)
	}
	deadline := time.Now().Add(3 * time.Second)
	for srv.TermSignals.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := srv.TermSignals.Load(); n == 0 {
		t.Error("no SSH signal request (TERM) reached the server")
	}
	if n := srv.Ptys.Load(); n != 0 {
		t.Errorf("%d pty requests, want none", n)
	}
}
