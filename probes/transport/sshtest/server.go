// Package sshtest is an in-process SSH server for tests: it listens on
// 127.0.0.1, authenticates user "kaudit" by password or key, runs exec
// requests with a handler, forwards direct-tcpip channels (so it can act as
// a bastion) and counts what clients do. Production code never imports it.
package sshtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// User is the login the server accepts.
const User = "kaudit"

// Password is the password the server accepts for User.
const Password = "s3cret"

// Exec is one exec request as the server's handler sees it.
type Exec struct {
	Cmd    string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Conn   net.Conn        // the TCP connection, to break it
	Done   <-chan struct{} // closed when the client closes the session
}

// Server is an in-process SSH server on 127.0.0.1 that counts what clients
// do. Set the behaviour switches before clients connect, or atomically.
type Server struct {
	Port    int
	HostKey ssh.Signer

	// Handler runs an exec request and returns its exit status.
	Handler func(e *Exec) int
	// Tarpit: accept TCP and never speak.
	Tarpit atomic.Bool
	// DropFirst: close the next N connections before the SSH banner, with a
	// TCP reset when DropRST.
	DropFirst atomic.Int32
	DropRST   atomic.Bool

	// Counters: TCP connections, session channels, exec requests,
	// direct-tcpip channels, and stdout bytes the handlers wrote.
	Conns, Sessions, Execs, Forwards atomic.Int32
	Written                          atomic.Int64
	// Ptys counts pty-req requests; TermSignals counts "signal" requests
	// for TERM on a session whose command runs.
	Ptys, TermSignals atomic.Int32

	// Config is the server configuration; change it (e.g. KeyExchanges)
	// before the first client connects.
	Config *ssh.ServerConfig

	ln net.Listener
	wg sync.WaitGroup
}

// New starts a server that accepts User with Password or with any key in
// authorized, and runs exec requests with handler. It stops at the end of
// the test.
func New(t testing.TB, handler func(e *Exec) int, authorized ...ssh.PublicKey) *Server {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{HostKey: signer, Handler: handler}
	s.Config = &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == User && string(pw) == Password {
				return nil, nil
			}
			return nil, fmt.Errorf("bad password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range authorized {
				if c.User() == User && bytes.Equal(k.Marshal(), key.Marshal()) {
					return nil, nil
				}
			}
			return nil, fmt.Errorf("unknown key")
		},
	}
	s.Config.AddHostKey(signer)
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = s.ln.Addr().(*net.TCPAddr).Port
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	var conns []net.Conn
	var mu sync.Mutex
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.Conns.Add(1)
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		if s.DropFirst.Add(-1) >= 0 {
			if s.DropRST.Load() {
				c.(*net.TCPConn).SetLinger(0)
			}
			c.Close()
			continue
		}
		if s.Tarpit.Load() {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleConn(c)
		}()
	}
}

func (s *Server) handleConn(c net.Conn) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, s.Config)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			s.Sessions.Add(1)
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.session(c, ch, creqs)
			}()
		case "direct-tcpip":
			s.Forwards.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.forward(nc)
			}()
		default:
			nc.Reject(ssh.UnknownChannelType, "no")
		}
	}
	wg.Wait()
}

func (s *Server) session(conn net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	done := make(chan struct{})
	for req := range reqs {
		if req.Type == "pty-req" {
			s.Ptys.Add(1)
		}
		if req.Type != "exec" {
			req.Reply(false, nil)
			continue
		}
		s.Execs.Add(1)
		var p struct{ Cmd string }
		ssh.Unmarshal(req.Payload, &p)
		req.Reply(true, nil)
		go func() {
			for r := range reqs {
				var sig struct{ Name string }
				if r.Type == "signal" && ssh.Unmarshal(r.Payload, &sig) == nil && sig.Name == string(ssh.SIGTERM) {
					s.TermSignals.Add(1)
				}
				if r.Type == "pty-req" {
					s.Ptys.Add(1)
				}
				if r.WantReply {
					r.Reply(false, nil)
				}
			}
			close(done)
		}()
		out := &countingWriter{w: ch, n: &s.Written}
		status := s.Handler(&Exec{Cmd: p.Cmd, Stdin: ch, Stdout: out, Stderr: ch.Stderr(), Conn: conn, Done: done})
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
		return
	}
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (s *Server) forward(nc ssh.NewChannel) {
	var p struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		nc.Reject(ssh.ConnectionFailed, "bad payload")
		return
	}
	target, err := net.Dial("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		target.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	done := make(chan struct{}, 2)
	go func() { io.Copy(target, ch); target.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(ch, target); ch.CloseWrite(); done <- struct{}{} }()
	<-done
	<-done
	ch.Close()
	target.Close()
}

// KnownHosts writes a known_hosts file listing the servers' keys under
// their [127.0.0.1]:port names and returns its path.
func KnownHosts(t testing.TB, servers ...*Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	var data []byte
	for _, s := range servers {
		data = append(data, knownhosts.Line([]string{s.Addr()}, s.HostKey.PublicKey())+"\n"...)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Host is an inventory host for s: password login, strict host keys from
// knownHosts, no ssh_config.
func (s *Server) Host(name, knownHosts string) *inventory.Host {
	return &inventory.Host{
		Name: name, Address: "127.0.0.1", Port: s.Port, Transport: "ssh",
		SSH: inventory.SSHSettings{
			User: User, Password: inventory.NewSecret(Password), KnownHosts: []string{knownHosts},
			HostKeyPolicy: "strict", Timeout: 20 * time.Second, ConnectTimeout: 5 * time.Second, SSHConfig: "none",
		},
	}
}

// Echo copies stdin to stdout, writes the command to stderr and exits 0.
func Echo(e *Exec) int {
	io.Copy(e.Stdout, e.Stdin)
	fmt.Fprint(e.Stderr, e.Cmd)
	return 0
}

// Shell runs the command with `sh -c` on this machine, as sshd would, with
// the session's stdin, stdout and stderr; it is killed when the client
// closes the session.
func Shell(e *Exec) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-e.Done:
			cancel()
		case <-ctx.Done():
		}
	}()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", e.Cmd)
	// stdin through a pipe of our own, as sshd does: the command ends when
	// it exits, whether or not the client still holds stdin open.
	pr, pw, err := os.Pipe()
	if err != nil {
		return 255
	}
	go func() { _, _ = io.Copy(pw, e.Stdin); pw.Close() }()
	defer pw.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pr, e.Stdout, e.Stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	pr.Close()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		return exitErr.ExitCode()
	default:
		return 255
	}
}
