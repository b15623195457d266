package transport

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/transport/sshtest"
)

// bastionChain builds: client → outer → inner → targets.
func TestSSHBastionChainSharesOneConnection(t *testing.T) {
	outer := sshtest.New(t, sshtest.Echo)
	inner := sshtest.New(t, sshtest.Echo)
	var targets []*sshtest.Server
	var running, maxRunning atomic.Int32
	for range 6 {
		targets = append(targets, sshtest.New(t, func(r *sshtest.Exec) int {
			n := running.Add(1)
			defer running.Add(-1)
			for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
			}
			time.Sleep(30 * time.Millisecond) // overlap the runs
			return sshtest.Echo(r)
		}))
	}
	kh := sshtest.KnownHosts(t, append([]*sshtest.Server{outer, inner}, targets...)...)
	settings := outer.Host("x", kh).SSH
	bastions := map[string]*inventory.Bastion{
		"outer": {Name: "outer", Address: "127.0.0.1", Port: outer.Port, SSH: settings},
		"inner": {Name: "inner", Address: "127.0.0.1", Port: inner.Port, Bastion: "outer", SSH: settings, Concurrency: 2},
	}
	tr := testSSH(t, SSHOptions{Bastions: bastions})
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for i, srv := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := srv.Host(fmt.Sprint("t", i), kh)
			h.Bastion = "inner"
			res, err := tr.Run(ctx, h, "x", []byte("hi"))
			if err != nil {
				t.Error(err)
				return
			}
			if string(res.Stdout) != "hi" {
				t.Errorf("stdout %q", res.Stdout)
			}
		}()
	}
	wg.Wait()
	if n := outer.Conns.Load(); n != 1 {
		t.Errorf("outer bastion: %d TCP connections, want 1", n)
	}
	if n := outer.Forwards.Load(); n != 1 {
		t.Errorf("outer bastion: %d forwarded channels, want 1 (to inner)", n)
	}
	if n := inner.Conns.Load(); n != 1 {
		t.Errorf("inner bastion: %d connections, want 1", n)
	}
	if n := inner.Forwards.Load(); n != int32(len(targets)) {
		t.Errorf("inner bastion: %d forwarded channels, want %d", n, len(targets))
	}
	if n := maxRunning.Load(); n > 2 {
		t.Errorf("%d hosts behind the inner bastion ran at once, its cap is 2", n)
	}
	for _, srv := range targets {
		if c, s, e := srv.Conns.Load(), srv.Sessions.Load(), srv.Execs.Load(); c != 1 || s != 1 || e != 1 {
			t.Errorf("target: connections/sessions/execs = %d/%d/%d", c, s, e)
		}
	}
	if outer.Sessions.Load() != 0 || inner.Sessions.Load() != 0 {
		t.Error("a session was opened on a bastion")
	}
}

func TestSSHBastionFailureNamesBastion(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	target := sshtest.New(t, sshtest.Echo)
	kh := sshtest.KnownHosts(t, target)
	settings := target.Host("x", kh).SSH
	tr := testSSH(t, SSHOptions{Bastions: map[string]*inventory.Bastion{
		"jump": {Name: "jump", Address: "127.0.0.1", Port: closedPort, SSH: settings},
	}})
	for i := range 3 {
		h := target.Host(fmt.Sprint("h", i), kh)
		h.Bastion = "jump"
		_, err := tr.Run(testCtx(t), h, "x", nil)
		te := wantReason(t, err, ReasonConnect, `bastion "jump"`, "refused")
		if te.Host != h.Name {
			t.Errorf("error host %q, want %q", te.Host, h.Name)
		}
	}
	h := target.Host("h", kh)
	h.Bastion = "missing"
	_, err := tr.Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonConnect, `bastion "missing" is not defined`)
}

func TestSSHCloseIdempotentAfterBastionUse(t *testing.T) {
	jump := sshtest.New(t, sshtest.Echo)
	target := sshtest.New(t, sshtest.Echo)
	kh := sshtest.KnownHosts(t, jump, target)
	settings := jump.Host("x", kh).SSH
	tr := testSSH(t, SSHOptions{Bastions: map[string]*inventory.Bastion{"jump": {Name: "jump", Address: "127.0.0.1", Port: jump.Port, SSH: settings}}})
	h := target.Host("h", kh)
	h.Bastion = "jump"
	if _, err := tr.Run(testCtx(t), h, "x", nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Run(testCtx(t), h, "x", nil)
	if err == nil {
		t.Fatal("Run after Close succeeded")
	}
}
