package transport

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kaudit/kaudit/probes/transport/sshtest"
	"golang.org/x/crypto/ssh"
)

func TestSSHHostKeyChanged(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	other := sshtest.New(t, sshtest.Echo)
	// known_hosts records other's key for srv's address.
	kh := filepath.Join(t.TempDir(), "known_hosts")
	line := "# comment\n" + strings.Replace(string(mustRead(t, sshtest.KnownHosts(t, other))), fmt.Sprint(other.Port), fmt.Sprint(srv.Port), 1)
	os.WriteFile(kh, []byte(line), 0o600)
	for _, policy := range []string{PolicyStrict, PolicyAcceptNew} {
		t.Run(policy, func(t *testing.T) {
			h := srv.Host("h", kh)
			h.SSH.HostKeyPolicy = policy
			_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil)
			wantReason(t, err, ReasonHostKey, "CHANGED",
				ssh.FingerprintSHA256(srv.HostKey.PublicKey()), ssh.FingerprintSHA256(other.HostKey.PublicKey()), kh+":2")
			if srv.Sessions.Load() != 0 {
				t.Fatal("a session was opened despite the changed key")
			}
		})
	}
	if got := string(mustRead(t, kh)); got != line {
		t.Fatalf("known_hosts was modified:\n%s", got)
	}
}

func TestSSHUnknownKeyStrict(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	kh := filepath.Join(t.TempDir(), "known_hosts") // does not exist
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), srv.Host("h", kh), "x", nil)
	wantReason(t, err, ReasonHostKey, "not known", "ssh-keyscan -p", "accept-new", ssh.FingerprintSHA256(srv.HostKey.PublicKey()))
	if _, err := os.Stat(kh); !os.IsNotExist(err) {
		t.Fatal("strict policy created known_hosts")
	}
}

func TestSSHAcceptNewRecordsKey(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	kh := filepath.Join(t.TempDir(), "sub", "known_hosts")
	h := srv.Host("h", kh)
	h.SSH.HostKeyPolicy = PolicyAcceptNew
	if _, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[127.0.0.1]:%d %s", srv.Port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey.PublicKey()))))
	if got := strings.TrimSpace(string(mustRead(t, kh))); got != want {
		t.Fatalf("known_hosts = %q, want %q", got, want)
	}
	// Now known: strict works with a fresh transport.
	h.SSH.HostKeyPolicy = PolicyStrict
	if _, err := testSSH(t, SSHOptions{}).Run(testCtx(t), h, "x", nil); err != nil {
		t.Fatal(err)
	}
}

func TestSSHAcceptNewHashed(t *testing.T) {
	srv := sshtest.New(t, sshtest.Echo)
	home := t.TempDir()
	cfg := filepath.Join(home, "ssh_config")
	os.WriteFile(cfg, []byte("Host *\n  HashKnownHosts yes\n"), 0o600)
	kh := filepath.Join(home, "known_hosts")
	h := srv.Host("h", kh)
	h.SSH.HostKeyPolicy = PolicyAcceptNew
	h.SSH.SSHConfig = cfg
	if _, err := testSSH(t, SSHOptions{Home: home}).Run(testCtx(t), h, "x", nil); err != nil {
		t.Fatal(err)
	}
	data := string(mustRead(t, kh))
	if !strings.HasPrefix(data, "|1|") || strings.Contains(data, "127.0.0.1") {
		t.Fatalf("entry not hashed: %q", data)
	}
	h.SSH.HostKeyPolicy = PolicyStrict
	if _, err := testSSH(t, SSHOptions{Home: home}).Run(testCtx(t), h, "x", nil); err != nil {
		t.Fatalf("hashed entry not honoured: %v", err)
	}
}

func TestSSHAcceptNewConcurrent(t *testing.T) {
	servers := []*sshtest.Server{sshtest.New(t, sshtest.Echo), sshtest.New(t, sshtest.Echo), sshtest.New(t, sshtest.Echo), sshtest.New(t, sshtest.Echo)}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, []byte("# no trailing newline"), 0o600)
	// Two transports: they share only the flock, as two processes would.
	trs := []*SSH{testSSH(t, SSHOptions{}), testSSH(t, SSHOptions{})}
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := servers[i%len(servers)]
			h := srv.Host(fmt.Sprint("h", i), kh)
			h.SSH.HostKeyPolicy = PolicyAcceptNew
			_, err := trs[i%2].Run(ctx, h, "x", nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, kh))), "\n")
	if len(lines) != 1+len(servers) || lines[0] != "# no trailing newline" {
		t.Fatalf("known_hosts has %d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, srv := range servers {
		want := fmt.Sprintf("[127.0.0.1]:%d %s", srv.Port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey.PublicKey()))))
		n := 0
		for _, l := range lines {
			if l == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("key of %s recorded %d times", srv.Addr(), n)
		}
	}
}
