package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/transport/sshtest"
	"golang.org/x/crypto/ssh"
)

// wantReason fails unless err is an *Error with reason whose message
// contains every one of subs.
func wantReason(t *testing.T, err error, reason string, subs ...string) *Error {
	t.Helper()
	var te *Error
	if !errors.As(err, &te) {
		t.Fatalf("want *Error with reason %q, got %T %v", reason, err, err)
	}
	if te.Reason != reason {
		t.Fatalf("reason = %q, want %q (%v)", te.Reason, reason, err)
	}
	for _, s := range subs {
		if !strings.Contains(te.Error(), s) {
			t.Errorf("message %q does not contain %q", te.Error(), s)
		}
	}
	return te
}

// testSSH is an SSH transport isolated from this machine's ~/.ssh and agent.
func testSSH(t *testing.T, opts SSHOptions) *SSH {
	t.Helper()
	if opts.Home == "" {
		opts.Home = t.TempDir()
	}
	opts.LocalUser = "nobody"
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	s := NewSSH(opts)
	t.Cleanup(func() { s.Close() })
	return s
}

// testCtx bounds a test that must not hang.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSSHRunOneSessionOneExec(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	tr := testSSH(t, SSHOptions{})
	h := srv.Host("web1", sshtest.KnownHosts(t, srv))
	stdin := []byte("#!/bin/sh\necho hello\n")
	res, err := tr.Run(testCtx(t), h, "sh -s", stdin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Stdout, stdin) || string(res.Stderr) != "sh -s" || res.Exit != 0 || res.Truncated {
		t.Fatalf("result = %+v", res)
	}
	if c, s, e := srv.Conns.Load(), srv.Sessions.Load(), srv.Execs.Load(); c != 1 || s != 1 || e != 1 {
		t.Fatalf("connections/sessions/execs = %d/%d/%d, want 1/1/1", c, s, e)
	}
}

func TestSSHExitStatusAndJunkBytes(t *testing.T) {
	junk := []byte("\x1b[31mred\x1b[0m \xff\xfe\x00 caf\xc3\xa9 \xe2\x28\xa1\r\n\x07")
	srv := sshtest.New(t, func(r *sshtest.Exec) int {
		r.Stdout.Write(junk)
		r.Stderr.Write(junk)
		return 3
	})
	res, err := testSSH(t, SSHOptions{}).Run(testCtx(t), srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Stdout, junk) || !bytes.Equal(res.Stderr, junk) || res.Exit != 3 {
		t.Fatalf("stdout %q stderr %q exit %d", res.Stdout, res.Stderr, res.Exit)
	}
}

func TestSSHTarpitTimesOut(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	srv.Tarpit.Store(true)
	h := srv.Host("tarpit", sshtest.KnownHosts(t, srv))
	h.SSH.ConnectTimeout = 300 * time.Millisecond
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonTimeout, "connect_timeout", srv.Addr())
}

// A handshake that ends as connect_timeout fires: the connection is already
// closed, so this is the handshake timeout, not a connection lost while
// opening the session.
func TestSSHHandshakeEndsAtConnectTimeout(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	h := srv.Host("h", sshtest.KnownHosts(t, srv))
	h.SSH.ConnectTimeout = 200 * time.Millisecond
	tr := testSSH(t, SSHOptions{})
	tr.afterHandshake = func() { time.Sleep(400 * time.Millisecond) }
	_, err := tr.Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonTimeout, "did not complete the SSH handshake within connect_timeout", srv.Addr())
	if n := srv.Sessions.Load(); n != 0 {
		t.Errorf("%d sessions opened on a timed-out connection", n)
	}
}

func TestSSHResetMidOutput(t *testing.T) {
	srv := sshtest.New(t, func(r *sshtest.Exec) int {
		r.Stdout.Write(bytes.Repeat([]byte("partial "), 1000))
		time.Sleep(50 * time.Millisecond)
		r.Conn.(*net.TCPConn).SetLinger(0)
		r.Conn.Close()
		return 0
	})
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil)
	wantReason(t, err, ReasonConnect, "lost")
}

func TestSSHOutputCapped(t *testing.T) {
	const total = 50 << 20
	srv := sshtest.New(t, func(r *sshtest.Exec) int {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for sent := 0; sent < total; sent += len(chunk) {
			if _, err := r.Stdout.Write(chunk); err != nil {
				return 1
			}
		}
		return 0
	})
	tr := testSSH(t, SSHOptions{})
	res, err := tr.Run(testCtx(t), srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Stdout) != DefaultMaxStdout || res.Exit != -1 {
		t.Fatalf("truncated=%v len=%d exit=%d", res.Truncated, len(res.Stdout), res.Exit)
	}
	// The client stopped reading at the cap: the server could not push the
	// whole 50 MiB (it is held to the cap plus the channel window).
	time.Sleep(100 * time.Millisecond)
	if w := srv.Written.Load(); w >= total {
		t.Fatalf("server wrote all %d bytes: the client drained past the cap", w)
	}
}

func TestSSHStderrCapped(t *testing.T) {
	srv := sshtest.New(t, func(r *sshtest.Exec) int {
		r.Stderr.Write(bytes.Repeat([]byte("e"), 1<<20))
		r.Stdout.Write([]byte("ok"))
		return 0
	})
	res, err := testSSH(t, SSHOptions{}).Run(testCtx(t), srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stderr) != DefaultMaxStderr || string(res.Stdout) != "ok" {
		t.Fatalf("stderr %d bytes, stdout %q", len(res.Stderr), res.Stdout)
	}
}

func TestSSHSudo(t *testing.T) {
	tests := []struct {
		name    string
		handler func(r *sshtest.Exec) int
	}{
		{"sudo -n refuses", func(r *sshtest.Exec) int {
			fmt.Fprintln(r.Stderr, "sudo: a password is required")
			return 1
		}},
		{"requiretty", func(r *sshtest.Exec) int {
			fmt.Fprintln(r.Stderr, "sudo: sorry, you must have a tty to run sudo")
			return 1
		}},
		{"prompt that waits for a password", func(r *sshtest.Exec) int {
			fmt.Fprint(r.Stderr, "[sudo] password for kaudit: ")
			<-r.Done // blocks until the client closes the session
			return 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sshtest.New(t, tt.handler)
			h := srv.Host("h", sshtest.KnownHosts(t, srv))
			h.SSH.Timeout = 20 * time.Second
			_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "sudo -n sh -s", nil)
			wantReason(t, err, ReasonSudo, "NOPASSWD", "sudo")
		})
	}
}

func TestSSHHostTimeout(t *testing.T) {
	srv := sshtest.New(t, func(r *sshtest.Exec) int {
		r.Stdout.Write([]byte("started"))
		<-r.Done
		return 0
	})
	h := srv.Host("h", sshtest.KnownHosts(t, srv))
	h.SSH.Timeout = 300 * time.Millisecond
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonTimeout, "timeout (300ms)", "7 bytes received")
}

func TestSSHCancelMidRun(t *testing.T) {
	started := make(chan struct{})
	srv := sshtest.New(t, func(r *sshtest.Exec) int {
		close(started)
		<-r.Done
		return 0
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	go func() {
		<-started
		cancel()
	}()
	_, err := testSSH(t, SSHOptions{}).Run(ctx, srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil)
	wantReason(t, err, ReasonTimeout, "interrupted")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error does not wrap context.Canceled: %v", err)
	}
}

func TestSSHConnectErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	kh := filepath.Join(t.TempDir(), "known_hosts")
	tests := []struct {
		name, address string
		port          int
		reason        string
	}{
		{"refused", "127.0.0.1", closedPort, ReasonConnect},
		{"dns", "no-such-host.invalid", 22, ReasonDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &inventory.Host{Name: "h", Address: tt.address, Port: tt.port, SSH: inventory.SSHSettings{
				User: "kaudit", Password: inventory.NewSecret("x"), KnownHosts: []string{kh}, SSHConfig: "none", ConnectTimeout: 5 * time.Second}}
			_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
			wantReason(t, err, tt.reason, tt.address)
		})
	}
}

func TestSSHRetriesDroppedHandshake(t *testing.T) {
	for _, rst := range []bool{false, true} {
		t.Run(fmt.Sprint("rst=", rst), func(t *testing.T) {
			srv := sshtest.New(t, sshtest.Echo)
			srv.DropRST.Store(rst)
			srv.DropFirst.Store(1)
			if _, err := testSSH(t, SSHOptions{}).Run(testCtx(t), srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil); err != nil {
				t.Fatal(err)
			}
			if n := srv.Conns.Load(); n != 2 {
				t.Fatalf("connections = %d, want 2 (one dropped, one retry)", n)
			}

			srv.Conns.Store(0)
			srv.DropFirst.Store(2)
			_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), srv.Host("h", sshtest.KnownHosts(t, srv)), "x", nil)
			wantReason(t, err, ReasonConnect, srv.Addr())
			if n := srv.Conns.Load(); n != 2 {
				t.Fatalf("connections = %d, want 2 (one retry only)", n)
			}
		})
	}
}

func TestSSHBastionCannotReachTarget(t *testing.T) {
	jump := sshtest.New(t, sshtest.Echo)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	kh := sshtest.KnownHosts(t, jump)
	settings := jump.Host("x", kh).SSH
	tr := testSSH(t, SSHOptions{Bastions: map[string]*inventory.Bastion{
		"jump": {Name: "jump", Address: "127.0.0.1", Port: jump.Port, SSH: settings},
	}})
	h := &inventory.Host{Name: "h", Address: "127.0.0.1", Port: closedPort, Bastion: "jump", SSH: settings}
	_, err := tr.Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonConnect, "bastion could not open a connection", fmt.Sprint(closedPort))
}

func TestSSHConfigHonoured(t *testing.T) {
	dir := t.TempDir()
	key, pub := writeKey(t, dir, "")
	jump := sshtest.New(t, sshtest.Echo, pub)
	target := sshtest.New(t, sshtest.Echo, pub)
	kh := sshtest.KnownHosts(t, jump, target)
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
Host jumpbox
  HostName 127.0.0.1
  Port %d
  User kaudit
  IdentityFile %s

Host web-*
  HostName 127.0.0.1
  Port %d
  User kaudit
  IdentityFile "%s"
  ProxyJump jumpbox
`, jump.Port, key, target.Port, key)), 0o600)
	h := &inventory.Host{Name: "web-1", Address: "web-1", Port: 22, SSH: inventory.SSHSettings{
		KnownHosts: []string{kh}, SSHConfig: cfg, Timeout: 20 * time.Second}}
	res, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", []byte("via config"))
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "via config" {
		t.Fatalf("stdout %q", res.Stdout)
	}
	if jump.Forwards.Load() != 1 || target.Execs.Load() != 1 {
		t.Fatalf("jump forwards %d, target execs %d", jump.Forwards.Load(), target.Execs.Load())
	}
}

func TestSSHBadConfig(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	h := srv.Host("h", sshtest.KnownHosts(t, srv))
	h.SSH.SSHConfig = filepath.Join(t.TempDir(), "missing")
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonConnect, "ssh_config", `"none"`)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkSSHRun measures one host's connection, handshake and exec
// against the in-process server (client and server CPU both count), per key
// exchange the server allows.
func BenchmarkSSHRun(b *testing.B) {
	for _, kex := range []string{ssh.KeyExchangeCurve25519, ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeECDHP256} {
		b.Run(kex, func(b *testing.B) {
			srv := sshtest.New(b, sshtest.Echo)
			srv.Config.KeyExchanges = []string{kex}
			h := srv.Host("h", sshtest.KnownHosts(b, srv))
			tr := NewSSH(SSHOptions{Home: b.TempDir(), LocalUser: "nobody", Getenv: func(string) string { return "" }})
			defer tr.Close()
			stdin := bytes.Repeat([]byte("x"), 32<<10)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.Run(ctx, h, "sh -s", stdin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
