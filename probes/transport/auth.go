package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/melbahja/goph"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// credentials are the auth methods offered to one server, in order:
// publickey (identity files, then ssh-agent keys), then password and
// keyboard-interactive answering password prompts.
type credentials struct {
	methods goph.Auth
	offered []string // what was offered, for the failure message
	notes   []string // credentials that could not be used, and why
	close   func()   // closes the agent connection
}

// credentials collects the auth methods for ep. It fails (reason auth) only
// when nothing at all can be offered.
func (s *SSH) credentials(ctx context.Context, host string, ep *endpoint) (*credentials, error) {
	cr := &credentials{close: func() {}}
	var signers []ssh.Signer
	seen := map[string]bool{}
	for _, file := range ep.identityFiles {
		signer, note := s.keyFiles.load(file, ep.settings.IdentityPassphraseEnv, s.opts.Getenv)
		if note != "" && (ep.explicitIdentities || !strings.Contains(note, "not found")) {
			cr.notes = append(cr.notes, note)
		}
		if signer == nil || seen[string(signer.PublicKey().Marshal())] {
			continue
		}
		seen[string(signer.PublicKey().Marshal())] = true
		signers = append(signers, signer)
		cr.offered = append(cr.offered, "key "+file)
	}

	if sock := s.opts.Getenv("SSH_AUTH_SOCK"); ep.settings.UseAgent && sock != "" && !ep.identitiesOnly {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			cr.notes = append(cr.notes, fmt.Sprintf("ssh-agent at SSH_AUTH_SOCK is unreachable (%v)", err))
		} else {
			cr.close = func() { _ = conn.Close() }
			keys, err := agent.NewClient(conn).Signers()
			if err != nil {
				cr.notes = append(cr.notes, fmt.Sprintf("ssh-agent did not list its keys (%v)", err))
			}
			n := 0
			for _, k := range keys {
				if !seen[string(k.PublicKey().Marshal())] {
					seen[string(k.PublicKey().Marshal())] = true
					signers = append(signers, k)
					n++
				}
			}
			if n > 0 {
				cr.offered = append(cr.offered, fmt.Sprintf("%d ssh-agent key(s)", n))
			}
		}
	}
	if len(signers) > 0 {
		cr.methods = append(cr.methods, ssh.PublicKeys(signers...))
	}
	if pw := ep.settings.Password; pw.IsSet() {
		cr.methods = append(cr.methods, goph.KeyboardInteractive(pw.Reveal())...)
		cr.offered = append(cr.offered, "password")
	}
	if len(cr.methods) == 0 {
		cr.close()
		return nil, &Error{Reason: ReasonAuth, Host: host,
			Msg: fmt.Sprintf("no credentials to offer %s as %q%s; set identity_files (and identity_passphrase_env for an encrypted key), "+
				"load the key into ssh-agent (SSH_AUTH_SOCK), or set password", ep.addr(), ep.user, joinNotes(cr.notes))}
	}
	return cr, nil
}

// keyCache holds parsed identity files: an encrypted key's KDF costs tens of
// milliseconds of CPU, too much to repeat for every host of a fleet.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]loadedKey
}

type loadedKey struct {
	signer ssh.Signer
	note   string
}

// load returns the signer of file (decrypted with the passphrase in the
// environment variable passEnv), or a note saying why it cannot be used.
func (c *keyCache) load(file, passEnv string, getenv func(string) string) (ssh.Signer, string) {
	key := file + "\x00" + passEnv
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.keys[key]; ok {
		return k.signer, k.note
	}
	signer, note := loadKey(file, passEnv, getenv)
	if c.keys == nil {
		c.keys = map[string]loadedKey{}
	}
	c.keys[key] = loadedKey{signer, note}
	return signer, note
}

func loadKey(file, passEnv string, getenv func(string) string) (ssh.Signer, string) {
	pem, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Sprintf("identity file %s not found", file)
	}
	if err != nil {
		return nil, fmt.Sprintf("identity file %s unreadable (%v)", file, err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pass := ""
		if passEnv != "" {
			pass = getenv(passEnv)
		}
		switch {
		case passEnv == "":
			return nil, fmt.Sprintf("identity file %s is encrypted and identity_passphrase_env is not set", file)
		case pass == "":
			return nil, fmt.Sprintf("identity file %s is encrypted and the environment variable %s is empty", file, passEnv)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pass))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Sprintf("the passphrase in %s does not decrypt identity file %s", passEnv, file)
		}
	}
	if err != nil {
		return nil, fmt.Sprintf("identity file %s is not a usable private key (%v)", file, err)
	}
	return signer, ""
}

// authError is the error of a server that rejected every credential offered.
func authError(host string, ep *endpoint, cr *credentials, err error) *Error {
	return &Error{Reason: ReasonAuth, Host: host, Err: err,
		Msg: fmt.Sprintf("%s rejected authentication as %q (offered: %s)%s; check user, identity_files, the keys in ssh-agent "+
			"and authorized_keys on the server", ep.addr(), ep.user, strings.Join(cr.offered, ", "), joinNotes(cr.notes))}
}

func joinNotes(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return "; " + strings.Join(notes, "; ")
}

// isAuthFailure reports whether a handshake error is the server refusing
// the credentials (x/crypto has no typed error for it).
func isAuthFailure(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unable to authenticate") ||
		strings.Contains(msg, "no supported methods remain") ||
		strings.Contains(msg, "Too many authentication failures")
}
