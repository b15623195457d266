package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	encpem "encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/kaudit/kaudit/probes/transport/sshtest"
)

// TestRun: two servers, one of them rejecting the key: the good one's
// output comes back prefixed with its address and its exit status, the
// bad one is reported failed with exit -1; one connection and one exec
// per host.
func TestRun(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	exit3 := func(e *sshtest.Exec) int {
		io.Copy(e.Stdout, e.Stdin)
		e.Stdout.Write([]byte("cmd=" + e.Cmd + "\n"))
		return 3
	}
	good := sshtest.New(t, exit3, signer.PublicKey())
	bad := sshtest.New(t, exit3) // no authorized key
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte(good.Addr()+"\n# comment\n"+bad.Addr()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "key")
	pem, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, encpem.EncodeToMemory(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("line one\nline two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(hosts, sshtest.User, key, sshtest.KnownHosts(t, good, bad), script)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Fanout, cfg.Cmd, cfg.Timeout, cfg.ConnectTTL = 4, "sh -s -- x", 20*time.Second, 5*time.Second
	var out, errs bytes.Buffer
	if n := run(context.Background(), cfg, &out, &errs); n != 2 {
		t.Errorf("%d hosts failed, want 2 (exit 3, and a rejected key)", n)
	}
	g := good.Addr() + ": "
	for _, want := range []string{g + "line one\n", g + "line two\n", g + "cmd=sh -s -- x\n", g + "@@sshfloor exit=3\n", bad.Addr() + ": @@sshfloor exit=-1\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errs.String(), bad.Addr()+": handshake:") {
		t.Errorf("stderr: %s", errs.String())
	}
	if good.Conns.Load() != 1 || good.Execs.Load() != 1 {
		t.Errorf("good server: %d connections, %d execs", good.Conns.Load(), good.Execs.Load())
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := load("", "u", "k", "kh", ""); err == nil {
		t.Error("missing -hosts accepted")
	}
	if _, err := load(filepath.Join(t.TempDir(), "none"), "u", "k", "kh", ""); err == nil {
		t.Error("missing hosts file accepted")
	}
}
