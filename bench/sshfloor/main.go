// Command sshfloor is the minimal SSH client kaudit's benchmark compares
// against (issue 16, "the SSH floor"): golang.org/x/crypto/ssh and nothing
// else — per host one TCP connection, the handshake with the host key
// checked against known_hosts, public-key auth, one session and one exec —
// at a fixed fan-out, with no inventory, no parsing, no policies, no report.
//
//	sshfloor -hosts FILE -user U -key KEY -known-hosts KH [-fanout 64] [-cmd true]
//	sshfloor ... -cmd "sh -s -- NONCE 110" -stdin probes/collector/collect.sh
//
// FILE has one ADDRESS or ADDRESS:PORT per line (port 22 by default). Every
// output line is written to stdout as "ADDRESS: line" (pdsh's format, so the
// benchmark counts collector sections the same way), then one line
// "ADDRESS: @@sshfloor exit=N" per host (N = -1 when the host failed before
// an exit status; the error goes to stderr). The exit code is 1 when any
// host failed. `make bench` runs it as the tools floor-true and
// floor-collector (bench/fleetbench).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

type config struct {
	Hosts      []string
	User       string
	Signer     ssh.Signer
	HostKeys   ssh.HostKeyCallback
	Fanout     int
	Cmd        string
	Stdin      []byte
	Timeout    time.Duration
	ConnectTTL time.Duration
}

func main() {
	hosts := flag.String("hosts", "", "file with one ADDRESS or ADDRESS:PORT per line")
	user := flag.String("user", "", "login user")
	key := flag.String("key", "", "private key file")
	kh := flag.String("known-hosts", "", "known_hosts file")
	fanout := flag.Int("fanout", 64, "hosts at once")
	cmd := flag.String("cmd", "true", "remote command")
	stdin := flag.String("stdin", "", "file sent on the session's stdin (then end of file)")
	timeout := flag.Duration("timeout", 120*time.Second, "whole-host timeout")
	connect := flag.Duration("connect-timeout", 10*time.Second, "TCP connect + handshake timeout")
	flag.Parse()
	cfg, err := load(*hosts, *user, *key, *kh, *stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sshfloor:", err)
		os.Exit(2)
	}
	cfg.Fanout, cfg.Cmd, cfg.Timeout, cfg.ConnectTTL = max(1, *fanout), *cmd, *timeout, *connect
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	failed := run(context.Background(), cfg, w, os.Stderr)
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "sshfloor: write output:", err)
		os.Exit(2)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

func load(hostsFile, user, key, kh, stdin string) (*config, error) {
	if hostsFile == "" || user == "" || key == "" || kh == "" {
		return nil, errors.New("-hosts, -user, -key and -known-hosts are required")
	}
	b, err := os.ReadFile(hostsFile)
	if err != nil {
		return nil, fmt.Errorf("read hosts: %w", err)
	}
	cfg := &config{User: user}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			cfg.Hosts = append(cfg.Hosts, l)
		}
	}
	pem, err := os.ReadFile(key)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	if cfg.Signer, err = ssh.ParsePrivateKey(pem); err != nil {
		return nil, fmt.Errorf("parse key %s: %w", key, err)
	}
	if cfg.HostKeys, err = knownhosts.New(kh); err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	if stdin != "" {
		if cfg.Stdin, err = os.ReadFile(stdin); err != nil {
			return nil, fmt.Errorf("read stdin file: %w", err)
		}
	}
	return cfg, nil
}

// run audits every host with cfg.Fanout workers and returns how many failed.
// Each host's output is buffered and written whole, so lines never mix.
func run(ctx context.Context, cfg *config, out io.Writer, errw io.Writer) int {
	jobs := make(chan string)
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for range min(cfg.Fanout, max(1, len(cfg.Hosts))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range jobs {
				stdout, code, err := one(ctx, cfg, h)
				mu.Lock()
				prefixLines(out, h, stdout)
				fmt.Fprintf(out, "%s: @@sshfloor exit=%d\n", h, code)
				if err != nil {
					failed++
					fmt.Fprintf(errw, "%s: %v\n", h, err)
				} else if code != 0 {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	for _, h := range cfg.Hosts {
		jobs <- h
	}
	close(jobs)
	wg.Wait()
	return failed
}

func prefixLines(w io.Writer, host string, b []byte) {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		fmt.Fprintf(w, "%s: %s\n", host, line)
		b = rest
	}
}

// one runs cfg.Cmd on host: its stdout and exit status (-1 on failure).
func one(ctx context.Context, cfg *config, host string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "22")
	}
	d := net.Dialer{Timeout: cfg.ConnectTTL}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, -1, fmt.Errorf("connect: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(cfg.ConnectTTL))
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User: cfg.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(cfg.Signer)}, HostKeyCallback: cfg.HostKeys,
	})
	if err != nil {
		conn.Close()
		return nil, -1, fmt.Errorf("handshake: %w", err)
	}
	_ = conn.SetDeadline(time.Time{})
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	s, err := client.NewSession()
	if err != nil {
		return nil, -1, fmt.Errorf("session: %w", err)
	}
	defer s.Close()
	var stdout bytes.Buffer
	s.Stdout, s.Stderr = &stdout, io.Discard
	if cfg.Stdin != nil {
		s.Stdin = bytes.NewReader(cfg.Stdin)
	}
	err = s.Run(cfg.Cmd)
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return stdout.Bytes(), 0, nil
	case errors.As(err, &ee):
		return stdout.Bytes(), ee.ExitStatus(), nil
	default:
		return stdout.Bytes(), -1, fmt.Errorf("run: %w", err)
	}
}
