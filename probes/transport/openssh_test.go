package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/inventory"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// openSSHServer starts this machine's sshd on a free loopback port with an
// RSA and an ed25519 host key, accepting the current user (root) with a
// fresh client key. It skips without /usr/sbin/sshd or root.
func openSSHServer(t *testing.T) (port int, dir, clientKey string, hostKeys map[string]ssh.PublicKey) {
	t.Helper()
	testenv.Root(t, "sshd runs as root and logs in the current user")
	_, err := os.Stat("/usr/sbin/sshd")
	testenv.Require(t, "sshd", err)
	dir = t.TempDir()
	writeKeyFile := func(name string, key any) ssh.PublicKey {
		block, err := ssh.MarshalPrivateKey(key, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.NewSignerFromKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return signer.PublicKey()
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	_, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostKeys = map[string]ssh.PublicKey{"rsa": writeKeyFile("hk_rsa", rsaKey), "ed25519": writeKeyFile("hk_ed25519", edKey)}
	clientPub := writeKeyFile("client", clientPriv)
	clientKey = filepath.Join(dir, "client")
	os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientPub), 0o600)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %[2]s/hk_rsa
HostKey %[2]s/hk_ed25519
AuthorizedKeysFile %[2]s/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
PidFile none
`, port, dir)
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600)
	os.MkdirAll("/run/sshd", 0o755)
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	log, _ := os.Create(filepath.Join(dir, "sshd.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		testenv.Require(t, "sshd", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); log.Close() })
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprint("127.0.0.1:", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
			t.Fatalf("sshd did not start: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return port, dir, clientKey, hostKeys
}

// TestOpenSSH runs the transport against a real OpenSSH server.
func TestOpenSSH(t *testing.T) {
	port, dir, clientKey, hostKeys := openSSHServer(t)
	addr := fmt.Sprint("127.0.0.1:", port)
	host := func(kh, policy string) *inventory.Host {
		return &inventory.Host{Name: "openssh", Address: "127.0.0.1", Port: port, SSH: inventory.SSHSettings{
			User: "root", IdentityFiles: []string{clientKey}, KnownHosts: []string{kh}, HostKeyPolicy: policy,
			Timeout: 20 * time.Second, ConnectTimeout: 5 * time.Second, SSHConfig: "none"}}
	}
	// Only one of the server's two key types is known: kaudit must ask for it.
	for typ, key := range hostKeys {
		kh := filepath.Join(dir, "kh_"+typ)
		os.WriteFile(kh, []byte(knownhosts.Line([]string{addr}, key)+"\n"), 0o600)
		res, err := testSSH(t, SSHOptions{}).Run(testCtx(t), host(kh, PolicyStrict), "cat; echo oops >&2; exit 3", []byte("in\xff"))
		if err != nil {
			t.Fatalf("known %s key: %v", typ, err)
		}
		if string(res.Stdout) != "in\xff" || string(res.Stderr) != "oops\n" || res.Exit != 3 {
			t.Fatalf("known %s key: %+v", typ, res)
		}
	}

	kh := filepath.Join(dir, "kh_new")
	_, err := testSSH(t, SSHOptions{}).Run(testCtx(t), host(kh, PolicyStrict), "true", nil)
	wantReason(t, err, ReasonHostKey, "not known", ssh.FingerprintSHA256(hostKeys["ed25519"]))
	if _, err := testSSH(t, SSHOptions{}).Run(testCtx(t), host(kh, PolicyAcceptNew), "true", nil); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, kh)); !strings.Contains(got, "ssh-ed25519") {
		t.Fatalf("accept-new recorded %q, want the ed25519 key (OpenSSH's preference)", got)
	}

	res, err := testSSH(t, SSHOptions{MaxStdout: 1 << 20}).Run(testCtx(t), host(kh, PolicyStrict), "head -c 50000000 /dev/zero", nil)
	if err != nil || !res.Truncated || len(res.Stdout) != 1<<20 {
		t.Fatalf("cap: %v, %d bytes", err, len(res.Stdout))
	}

	h := host(kh, PolicyStrict)
	h.SSH.User = "nobody"
	_, err = testSSH(t, SSHOptions{}).Run(testCtx(t), h, "true", nil)
	wantReason(t, err, ReasonAuth, `"nobody"`)

	h = host(kh, PolicyStrict)
	h.SSH.Timeout = 500 * time.Millisecond
	_, err = testSSH(t, SSHOptions{}).Run(testCtx(t), h, "sleep 30", nil)
	wantReason(t, err, ReasonTimeout, "timeout (500ms)")
}
