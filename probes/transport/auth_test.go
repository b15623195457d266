package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
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
	"golang.org/x/crypto/ssh/agent"
)

func TestSSHAuthRefused(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	h := srv.Host("h", sshtest.KnownHosts(t, srv))
	h.SSH.Password = inventory.NewSecret("wrong")
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
	te := wantReason(t, err, ReasonAuth, `"kaudit"`, "password")
	if strings.Contains(te.Error(), "wrong") {
		t.Fatalf("the password leaked into %q", te.Error())
	}
}

func TestSSHNoCredentials(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	h := srv.Host("h", sshtest.KnownHosts(t, srv))
	h.SSH.Password = inventory.Secret{}
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
	wantReason(t, err, ReasonAuth, "no credentials")
	if n := srv.Conns.Load(); n != 0 {
		t.Fatalf("%d connections made with nothing to offer", n)
	}
}

// writeKey writes an ed25519 private key (encrypted when passphrase is set)
// and returns its path and public key.
func writeKey(t *testing.T, dir, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("id_%d", time.Now().UnixNano()))
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return path, signer.PublicKey()
}

func TestSSHIdentityFiles(t *testing.T) {
	dir := t.TempDir()
	plain, plainPub := writeKey(t, dir, "")
	enc, encPub := writeKey(t, dir, "correct horse")
	srv := sshtest.New(t, sshtest.Echo, plainPub, encPub)
	kh := sshtest.KnownHosts(t, srv)
	env := map[string]string{"KEYPASS": "correct horse", "BADPASS": "nope"}
	getenv := func(k string) string { return env[k] }

	tests := []struct {
		name    string
		file    string
		passEnv string
		reason  string
		subs    []string
	}{
		{"plain key", plain, "", "", nil},
		{"encrypted key with passphrase", enc, "KEYPASS", "", nil},
		{"encrypted key without passphrase env", enc, "", ReasonAuth, []string{enc, "encrypted", "identity_passphrase_env"}},
		{"encrypted key with empty env", enc, "UNSET", ReasonAuth, []string{"UNSET", "empty"}},
		{"wrong passphrase", enc, "BADPASS", ReasonAuth, []string{"does not decrypt"}},
		{"missing explicit file", filepath.Join(dir, "nope"), "", ReasonAuth, []string{"not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := srv.Host("h", kh)
			h.SSH.Password = inventory.Secret{}
			h.SSH.IdentityFiles = []string{tt.file}
			h.SSH.IdentityPassphraseEnv = tt.passEnv
			_, err := testSSH(t, SSHOptions{Getenv: getenv}).Run(testCtx(t), h, "x", nil)
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantReason(t, err, tt.reason, tt.subs...)
			if strings.Contains(err.Error(), "correct horse") || strings.Contains(err.Error(), "nope\"") {
				t.Fatalf("a passphrase leaked: %v", err)
			}
		})
	}
}

func TestSSHAgent(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	srv := sshtest.New(t, sshtest.Echo, signer.PublicKey())
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { agent.ServeAgent(keyring, c); c.Close() }()
		}
	}()
	h := srv.Host("h", sshtest.KnownHosts(t, srv))
	h.SSH.Password = inventory.Secret{}
	h.SSH.UseAgent = true
	tr := testSSH(t, SSHOptions{Getenv: func(k string) string {
		if k == "SSH_AUTH_SOCK" {
			return sock
		}
		return ""
	}})
	if _, err := tr.Run(testCtx(t), h, "x", nil); err != nil {
		t.Fatal(err)
	}
}
