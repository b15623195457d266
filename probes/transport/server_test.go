package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
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

// execReq is one exec request as the test server's handler sees it.
type execReq struct {
	Cmd    string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Conn   net.Conn // the TCP connection, to break it
	Done   <-chan struct{}
}

// testServer is an in-process SSH server on 127.0.0.1 that counts what
// clients do: TCP connections, sessions, exec requests, direct-tcpip
// channels.
type testServer struct {
	t       *testing.T
	ln      net.Listener
	port    int
	hostKey ssh.Signer
	cfg     *ssh.ServerConfig

	// handler runs an exec request and returns the exit status.
	handler func(r *execReq) int
	// tarpit: accept TCP and never speak.
	tarpit atomic.Bool
	// dropFirst: close the first N connections before the SSH banner, with
	// a TCP reset when dropRST.
	dropFirst atomic.Int32
	dropRST   atomic.Bool

	conns, sessions, execs, forwards atomic.Int32
	written                          atomic.Int64 // stdout bytes the handler managed to write

	wg sync.WaitGroup
}

const testPassword = "s3cret"

// newTestServer starts a server accepting user "kaudit" with testPassword or
// any key in authorized.
func newTestServer(t *testing.T, handler func(r *execReq) int, authorized ...ssh.PublicKey) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, hostKey: signer, handler: handler}
	s.cfg = &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == "kaudit" && string(pw) == testPassword {
				return nil, nil
			}
			return nil, fmt.Errorf("bad password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range authorized {
				if c.User() == "kaudit" && sameKey(k, key) {
					return nil, nil
				}
			}
			return nil, fmt.Errorf("unknown key")
		},
	}
	s.cfg.AddHostKey(signer)
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = s.ln.Addr().(*net.TCPAddr).Port
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *testServer) close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *testServer) serve() {
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
		s.conns.Add(1)
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		if s.dropFirst.Add(-1) >= 0 {
			if s.dropRST.Load() {
				c.(*net.TCPConn).SetLinger(0)
			}
			c.Close()
			continue
		}
		if s.tarpit.Load() {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleConn(c)
		}()
	}
}

func (s *testServer) handleConn(c net.Conn) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			s.sessions.Add(1)
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
			s.forwards.Add(1)
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

func (s *testServer) session(conn net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	done := make(chan struct{})
	for req := range reqs {
		if req.Type != "exec" {
			req.Reply(false, nil)
			continue
		}
		s.execs.Add(1)
		var p struct{ Cmd string }
		ssh.Unmarshal(req.Payload, &p)
		req.Reply(true, nil)
		go func() {
			for range reqs {
			}
			close(done)
		}()
		out := &countingWriter{w: ch, n: &s.written}
		status := s.handler(&execReq{Cmd: p.Cmd, Stdin: ch, Stdout: out, Stderr: ch.Stderr(), Conn: conn, Done: done})
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

func (s *testServer) forward(nc ssh.NewChannel) {
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

// knownHostsFor writes a known_hosts file listing the servers' keys and
// returns its path.
func knownHostsFor(t *testing.T, servers ...*testServer) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	var data []byte
	for _, s := range servers {
		data = append(data, knownhosts.Line([]string{s.addr()}, s.hostKey.PublicKey())+"\n"...)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *testServer) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// hostFor is an inventory host for s using the password and known_hosts kh.
func (s *testServer) hostFor(name, kh string) *inventory.Host {
	return &inventory.Host{
		Name: name, Address: "127.0.0.1", Port: s.port, Transport: "ssh",
		SSH: inventory.SSHSettings{
			User: "kaudit", Password: inventory.NewSecret(testPassword), KnownHosts: []string{kh},
			HostKeyPolicy: PolicyStrict, Timeout: 20 * time.Second, ConnectTimeout: 5 * time.Second, SSHConfig: "none",
		},
	}
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

// echoHandler copies stdin to stdout, writes the command to stderr, exits 0.
func echoHandler(r *execReq) int {
	io.Copy(r.Stdout, r.Stdin)
	fmt.Fprint(r.Stderr, r.Cmd)
	return 0
}
