package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/user"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/melbahja/goph"
	"golang.org/x/crypto/ssh"
)

// SSHOptions configure the SSH transport.
type SSHOptions struct {
	Bastions  map[string]*inventory.Bastion // the inventory's bastions, by name
	MaxStdout int64                         // default DefaultMaxStdout
	MaxStderr int                           // default DefaultMaxStderr
	Home      string                        // for ~ and ~/.ssh defaults; default $HOME
	LocalUser string                        // login name when none is configured; default the current user
	Getenv    func(string) string           // SSH_AUTH_SOCK and passphrase variables; default os.Getenv
	// HoldStdin keeps the command's stdin open after stdin was written,
	// until its output ends (the collector's watchdog takes end of file on
	// it as "kaudit is gone"). Off: stdin is closed once written (a command
	// that reads it to its end, like cat, then finishes).
	HoldStdin bool
}

// SSH runs commands over SSH. It is safe for concurrent use; Close it when
// done to close the shared bastion connections.
type SSH struct {
	opts     SSHOptions
	resolve  resolver
	keys     *hostKeys
	keyFiles keyCache
	pool     *pool

	// afterHandshake, when set (tests only), runs between the end of the
	// SSH handshake and the check of the connect deadline.
	afterHandshake func()
}

// NewSSH returns an SSH transport.
func NewSSH(opts SSHOptions) *SSH {
	opts.MaxStdout = orDefault(opts.MaxStdout, DefaultMaxStdout)
	opts.MaxStderr = orDefault(opts.MaxStderr, DefaultMaxStderr)
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Home == "" {
		opts.Home, _ = os.UserHomeDir()
	}
	if opts.LocalUser == "" {
		if u, err := user.Current(); err == nil {
			opts.LocalUser = u.Username
		} else {
			opts.LocalUser = opts.Getenv("USER")
		}
	}
	return &SSH{
		opts:    opts,
		resolve: resolver{bastions: opts.Bastions, configs: &configCache{}, home: opts.Home, localUser: opts.LocalUser},
		keys:    newHostKeys(),
		pool:    newPool(),
	}
}

// Close closes the bastion connections. Runs in progress fail.
func (s *SSH) Close() error { return s.pool.close() }

// Run connects to h (through its bastions), runs cmd with stdin in one
// session and returns its output. h.SSH.Timeout bounds the whole run;
// cancelling ctx ends it at once. stdin is written and then kept open until
// the command's output ends: its end of file tells the command that kaudit
// is gone. When the deadline or ctx ends the run first, kaudit sends the
// session a TERM signal (servers that accept signal requests deliver it),
// closes stdin and the connection, and returns the output received so far
// with the error.
func (s *SSH) Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*Result, error) {
	return s.RunLeft(ctx, h, func(time.Duration) string { return cmd }, stdin)
}

// RunLeft is Run with the command built once connected, from the time left
// of the host's timeout (see LeftRunner).
func (s *SSH) RunLeft(ctx context.Context, h *inventory.Host, cmd func(left time.Duration) string, stdin []byte) (*Result, error) {
	start := time.Now()
	ep, err := s.resolve.host(h)
	if err != nil {
		return nil, err
	}
	timeout := orDefault(h.SSH.Timeout, DefaultTimeout)
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client, release, err := s.connect(runCtx, h.Name, ep)
	if err != nil {
		return nil, s.deadlineError(ctx, runCtx, h.Name, err, "connecting to "+ep.addr(), timeout)
	}
	defer release()
	defer client.Close()

	left := timeout - time.Since(start)
	if d, ok := runCtx.Deadline(); ok {
		left = time.Until(d)
	}
	res, err := s.exec(runCtx, client, h.Name, ep, cmd(left), stdin)
	if res != nil {
		res.Duration = time.Since(start)
	}
	if err != nil && runCtx.Err() != nil {
		err = s.deadlineError(ctx, runCtx, h.Name, err, fmt.Sprintf("running the collector (%d bytes received)", len(res.Stdout)), timeout)
	}
	return res, err
}

// deadlineError turns err into the interruption or whole-host timeout error
// when ctx or runCtx ended; otherwise it returns err.
func (s *SSH) deadlineError(ctx, runCtx context.Context, host string, err error, doing string, timeout time.Duration) error {
	if ctx.Err() != nil {
		return interrupted(host, ctx.Err())
	}
	var te *Error
	if runCtx.Err() != nil && (!errors.As(err, &te) || te.Reason != ReasonTimeout) {
		// The connection was closed because the deadline passed: what the
		// session layer said about that ("exited without exit status") is
		// not what happened.
		return &Error{Reason: ReasonTimeout, Host: host, Err: context.DeadlineExceeded,
			Msg: fmt.Sprintf("timeout (%s) reached while %s; raise timeout or check the host", timeout, doing)}
	}
	return err
}

// signalGrace is how long kaudit waits, after closing a command's stdin on
// timeout or cancellation, before it sends the TERM signal request: the
// collector's stdin watchdog first stops and records every process of the run
// (a TERM reaching the whole session at once would orphan the ones that
// ignore it before the watchdog saw them).
const signalGrace = 500 * time.Millisecond

// exec runs cmd in one session on client. When ctx ends first it signals
// the session (TERM), closes stdin and the connection; the output read so
// far is returned.
func (s *SSH) exec(ctx context.Context, client *goph.Client, host string, ep *endpoint, cmd string, stdin []byte) (*Result, error) {
	res := &Result{Exit: -1}
	stopConn := context.AfterFunc(ctx, func() { _ = client.Close() })
	defer stopConn()
	sess, err := client.NewSession()
	var openErr *ssh.OpenChannelError
	if errors.As(err, &openErr) {
		return res, &Error{Reason: ReasonCollector, Host: host, Err: err,
			Msg: fmt.Sprintf("%s refused a session channel; check sshd's MaxSessions and the account", ep.addr())}
	}
	if err != nil {
		return res, s.lost(host, ep, "opening a session", 0, err)
	}
	defer sess.Close()
	in, err := sess.StdinPipe()
	if err != nil {
		return res, &Error{Reason: ReasonCollector, Host: host, Msg: "cannot set up the session", Err: err}
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		return res, &Error{Reason: ReasonCollector, Host: host, Msg: "cannot set up the session", Err: err}
	}
	var sudoAsked atomic.Bool
	stderr := &stderrBuffer{max: s.opts.MaxStderr, onSudo: func() {
		sudoAsked.Store(true)
		_ = sess.Close()
	}}
	sess.Stderr = stderr
	if err := sess.Start(cmd); err != nil {
		return res, &Error{Reason: ReasonCollector, Host: host, Err: err,
			Msg: fmt.Sprintf("%s refused to run the collector command (exec request); check the account's shell and sshd ForceCommand", ep.addr())}
	}
	// From here on, ctx ending stops the command in order: end of file on
	// its stdin first (the collector's watchdog freezes and records every
	// process it started), then, once the session ended or signalGrace
	// passed, the SSH signal request (TERM, for servers that deliver it),
	// then the connection is closed. All best effort.
	stopConn()
	ended := make(chan struct{})
	defer close(ended)
	stopSig := context.AfterFunc(ctx, func() {
		_ = in.Close()
		select {
		case <-ended:
		case <-time.After(signalGrace):
		}
		_ = sess.Signal(ssh.SIGTERM)
		_ = client.Close()
	})
	defer stopSig()
	go func() {
		_, _ = in.Write(stdin) // the command may exit without reading it all
		if !s.opts.HoldStdin {
			_ = in.Close()
		} // else: closed after the output ends, or on ctx
	}()

	res.Stdout, res.Truncated, _ = readCapped(out, s.opts.MaxStdout)
	_ = in.Close()
	if res.Truncated {
		// Stop the command: do not drain what is beyond the cap.
		_ = sess.Signal(ssh.SIGTERM)
		_ = sess.Close()
		res.Stderr = stderr.Bytes()
		return res, nil
	}
	waitErr := sess.Wait()
	res.Stderr = stderr.Bytes()
	var exitErr *ssh.ExitError
	switch {
	case waitErr == nil:
		res.Exit = 0
	case errors.As(waitErr, &exitErr):
		res.Exit = exitErr.ExitStatus()
	}
	if line := sudoLine(res.Stderr); sudoAsked.Load() || (line != "" && res.Exit != 0) {
		return res, sudoError(host, ep.addr(), line)
	}
	if res.Exit == -1 {
		return res, s.lost(host, ep, "running the collector", len(res.Stdout), waitErr)
	}
	return res, nil
}

// lost is the error of a connection that broke after it was established.
func (s *SSH) lost(host string, ep *endpoint, doing string, got int, err error) *Error {
	return &Error{Reason: ReasonConnect, Host: host, Err: err,
		Msg: fmt.Sprintf("connection to %s lost while %s (%d bytes received); check the host (sshd, memory) and run again", ep.addr(), doing, got)}
}

// connect returns a client for ep, dialled directly or through the shared
// connection of its first hop. release frees the hop's slot; call it after
// closing the client.
func (s *SSH) connect(ctx context.Context, host string, ep *endpoint) (*goph.Client, func(), error) {
	release := func() {}
	var hop *ssh.Client
	if ep.via != nil {
		var err error
		if hop, err = s.bastion(ctx, host, ep.via); err != nil {
			return nil, release, err
		}
		if release, err = s.pool.acquire(ctx, ep.via); err != nil {
			return nil, func() {}, err
		}
	}
	c, err := s.dialRetry(ctx, host, ep, hop)
	if err != nil {
		release()
		return nil, func() {}, err
	}
	return &goph.Client{Client: c, Config: &goph.Config{User: ep.user, Addr: ep.host, Port: uint(ep.port),
		Timeout: orDefault(ep.settings.ConnectTimeout, DefaultConnectTimeout)}}, release, nil
}

// bastion returns the shared connection to the bastion ep. Its failure is
// reported for host, naming the bastion.
func (s *SSH) bastion(ctx context.Context, host string, ep *endpoint) (*ssh.Client, error) {
	c, err := s.pool.get(ctx, ep, func(life context.Context) (*ssh.Client, error) {
		dctx, cancel := context.WithTimeout(life, orDefault(ep.settings.Timeout, DefaultTimeout))
		defer cancel()
		var hop *ssh.Client
		if ep.via != nil {
			var err error
			if hop, err = s.bastion(dctx, ep.name, ep.via); err != nil {
				return nil, err
			}
		}
		return s.dialRetry(dctx, ep.name, ep, hop)
	})
	if err == nil || ctx.Err() != nil {
		return c, err
	}
	var te *Error
	switch {
	case errors.As(err, &te):
		out := *te
		out.Host = host
		out.Msg = "via " + ep.describe() + ": " + te.Msg
		return nil, &out
	case errors.Is(err, context.DeadlineExceeded):
		return nil, &Error{Reason: ReasonTimeout, Host: host, Err: err,
			Msg: fmt.Sprintf("%s did not connect within its timeout (%s); check the bastion", ep.describe(),
				orDefault(ep.settings.Timeout, DefaultTimeout))}
	default:
		return nil, &Error{Reason: ReasonConnect, Host: host, Msg: ep.describe() + " is unavailable", Err: err}
	}
}

// dialRetry dials once, and once more after a short jittered pause when the
// first attempt failed in a way worth retrying (see retryable).
func (s *SSH) dialRetry(ctx context.Context, host string, ep *endpoint, hop *ssh.Client) (*ssh.Client, error) {
	c, err := s.dial(ctx, host, ep, hop)
	if err == nil || !retryable(err) || ctx.Err() != nil {
		return c, err
	}
	pause := 200*time.Millisecond + rand.N(800*time.Millisecond)
	select {
	case <-time.After(pause):
	case <-ctx.Done():
		return nil, err
	}
	return s.dial(ctx, host, ep, hop)
}

// transientError marks a failure where one retry is safe and often helps:
// the server reset the TCP connection, or closed it before the host key was
// seen (sshd dropping connections above MaxStartups does both).
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var tr *transientError
	if !errors.As(err, &tr) {
		return false
	}
	return errors.Is(tr.err, io.EOF) || errors.Is(tr.err, io.ErrUnexpectedEOF) ||
		errors.Is(tr.err, syscall.ECONNRESET) || errors.Is(tr.err, syscall.EPIPE)
}

// dial makes one connection attempt: TCP (or a channel through hop), then
// the SSH handshake, both within ep's connect timeout.
func (s *SSH) dial(ctx context.Context, host string, ep *endpoint, hop *ssh.Client) (*ssh.Client, error) {
	connectTimeout := orDefault(ep.settings.ConnectTimeout, DefaultConnectTimeout)
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()

	// Credentials first: nothing to offer means no connection at all.
	cr, err := s.credentials(cctx, host, ep)
	if err != nil {
		return nil, err
	}
	defer cr.close()

	var conn net.Conn
	if hop == nil {
		var d net.Dialer
		conn, err = d.DialContext(cctx, "tcp", ep.addr())
	} else {
		conn, err = hop.DialContext(cctx, "tcp", ep.addr())
	}
	if err != nil {
		return nil, dialError(ctx, cctx, host, ep, hop != nil, connectTimeout, err)
	}

	// x/crypto's Timeout covers only the TCP dial: bound the handshake too,
	// by closing the connection when the connect timeout or ctx ends (a
	// channel through a bastion has no read deadline, and a deadline on a
	// TCP connection would also end the session reader started at the end
	// of the handshake if it fired before it could be cleared).
	stop := context.AfterFunc(cctx, func() { _ = conn.Close() })

	var hk hostKeyOutcome
	cfg := &ssh.ClientConfig{
		Config: ssh.Config{KeyExchanges: []string{
			ssh.KeyExchangeCurve25519, ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeECDHP256,
			ssh.KeyExchangeECDHP384, ssh.KeyExchangeECDHP521, ssh.KeyExchangeDH14SHA256, ssh.InsecureKeyExchangeDH14SHA1,
		}},
		User:              ep.user,
		Auth:              cr.methods,
		HostKeyAlgorithms: s.keys.algorithms(ep),
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			return hk.set(s.keys.verify(cctx, host, ep, key))
		},
		Timeout: connectTimeout,
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, ep.addr(), cfg)
	if s.afterHandshake != nil {
		s.afterHandshake()
	}
	expired := !stop()
	if err == nil && expired {
		// The handshake ended as the connect timeout closed the connection:
		// the client is dead on arrival, and its first use would fail as a
		// lost connection. It did not finish within connect_timeout.
		_ = sc.Close()
		err = fmt.Errorf("handshake done as connect_timeout expired: %w", net.ErrClosed)
	}
	keySeen, keyErr := hk.get()
	if err != nil {
		switch {
		case keyErr != nil:
			return nil, keyErr
		case expired || cctx.Err() != nil || isTimeout(err):
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &Error{Reason: ReasonTimeout, Host: host, Err: err,
				Msg: fmt.Sprintf("%s accepted the connection but did not complete the SSH handshake within connect_timeout (%s); "+
					"check that sshd answers there (MaxStartups, a firewall or a tarpit) or raise connect_timeout", ep.addr(), connectTimeout)}
		case isAuthFailure(err):
			return nil, authError(host, ep, cr, err)
		case !keySeen:
			return nil, &Error{Reason: ReasonConnect, Host: host, Err: &transientError{err},
				Msg: fmt.Sprintf("%s closed the connection during the SSH handshake; check that an SSH server listens there "+
					"and accepts connections (MaxStartups, AllowUsers, tcp wrappers)", ep.addr())}
		default:
			return nil, &Error{Reason: ReasonConnect, Host: host, Err: err,
				Msg: fmt.Sprintf("SSH handshake with %s failed", ep.addr())}
		}
	}
	return ssh.NewClient(sc, chans, reqs), nil
}

// dialError classifies a failure to open the TCP connection (or the channel
// through a bastion).
func dialError(ctx, cctx context.Context, host string, ep *endpoint, viaHop bool, connectTimeout time.Duration, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var dnsErr *net.DNSError
	var openErr *ssh.OpenChannelError
	switch {
	case errors.As(err, &dnsErr):
		return &Error{Reason: ReasonDNS, Host: host, Err: err,
			Msg: fmt.Sprintf("cannot resolve %q; check the address in the inventory (or HostName in ssh_config) and DNS", ep.host)}
	case errors.As(err, &openErr):
		reason := ReasonConnect
		if looksLikeDNS(openErr.Message) {
			reason = ReasonDNS
		}
		return &Error{Reason: reason, Host: host, Err: err,
			Msg: fmt.Sprintf("the bastion could not open a connection to %s (%s); check the address and port, that the bastion "+
				"can reach it, and that its sshd allows forwarding (AllowTcpForwarding)", ep.addr(), Excerpt([]byte(openErr.Message), 200))}
	case cctx.Err() != nil || isTimeout(err):
		where := "within connect_timeout"
		if viaHop {
			where = "through the bastion within connect_timeout"
		}
		return &Error{Reason: ReasonTimeout, Host: host, Err: err,
			Msg: fmt.Sprintf("no TCP connection to %s %s (%s); check the address, port and firewalls, or raise connect_timeout", ep.addr(), where, connectTimeout)}
	case errors.Is(err, syscall.ECONNRESET):
		return &Error{Reason: ReasonConnect, Host: host, Err: &transientError{err},
			Msg: fmt.Sprintf("%s reset the connection; check sshd (MaxStartups) and firewalls", ep.addr())}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Reason: ReasonConnect, Host: host, Err: err,
			Msg: fmt.Sprintf("connection to %s refused; check that sshd runs and listens on port %d", ep.addr(), ep.port)}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &Error{Reason: ReasonConnect, Host: host, Err: err,
			Msg: fmt.Sprintf("no route to %s; check the address, the network and firewalls", ep.addr())}
	default:
		return &Error{Reason: ReasonConnect, Host: host, Err: err, Msg: fmt.Sprintf("cannot connect to %s", ep.addr())}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT)
}

// looksLikeDNS reports whether a bastion's channel-open failure message is a
// resolver error (OpenSSH passes getaddrinfo's text through).
func looksLikeDNS(msg string) bool {
	for _, s := range []string{"Name or service not known", "nodename nor servname", "No address associated",
		"Temporary failure in name resolution", "getaddrinfo", "no such host"} {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(s)) {
			return true
		}
	}
	return false
}
