package transport

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Host key policies (inventory SSHSettings.HostKeyPolicy).
const (
	PolicyStrict    = "strict"
	PolicyAcceptNew = "accept-new"
)

// hostKeys verifies server host keys against known_hosts files and, under
// accept-new, records unknown keys. The parsed files are cached per file set;
// appends are serialised by writeMu within the process and by an flock on
// the file across processes.
type hostKeys struct {
	writeMu sync.Mutex
	mu      sync.Mutex // guards cache
	cache   map[string]*knownDB
	probe   ssh.PublicKey // a key no known_hosts lists: asking for it reveals the known keys
}

// knownDB is one parsed file set: the checker, and an index of the key
// types of its plain entries (one host or [host]:port per name, no
// marker, hash, wildcard or negation) by host and port. The checker scans
// every line when a key does not match, which asking for the known key
// types (algorithms) always does: with one line per host that made each
// host cost O(lines). The index answers it in O(1) whenever it is exact:
// the files have no other kind of entry (complex is false).
type knownDB struct {
	check   ssh.HostKeyCallback
	types   map[string][]string // "host:port" -> key types, in file order
	complex bool                // an entry the index cannot answer for exists
}

func newHostKeys() *hostKeys {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public()
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err) // a fixed ed25519 key always converts
	}
	return &hostKeys{cache: map[string]*knownDB{}, probe: probe}
}

// load returns the checker for files (missing files count as empty).
func (k *hostKeys) load(files []string, fresh bool) (ssh.HostKeyCallback, error) {
	db, err := k.loadDB(files, fresh)
	if err != nil {
		return nil, err
	}
	return db.check, nil
}

// loadDB parses files once per file set (again when fresh).
func (k *hostKeys) loadDB(files []string, fresh bool) (*knownDB, error) {
	key := strings.Join(files, "\x00")
	if !fresh {
		k.mu.Lock()
		db := k.cache[key]
		k.mu.Unlock()
		if db != nil {
			return db, nil
		}
	}
	var existing []string
	db := &knownDB{types: map[string][]string{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		existing = append(existing, f)
		db.index(data)
	}
	cb, err := knownhosts.New(existing...)
	if err != nil {
		return nil, err
	}
	db.check = cb
	k.mu.Lock()
	k.cache[key] = db
	k.mu.Unlock()
	return db, nil
}

// index adds the plain entries of one known_hosts file to db.types; any
// other entry (a marker, a hashed name, a pattern, a line it cannot parse:
// knownhosts.New then reports it) makes db complex.
func (db *knownDB) index(data []byte) {
	for len(data) > 0 {
		marker, hosts, key, _, rest, err := ssh.ParseKnownHosts(data)
		if err == io.EOF {
			return
		}
		if err != nil {
			db.complex = true
			return
		}
		data = rest
		if marker != "" {
			db.complex = true
			continue
		}
		for _, h := range hosts {
			a, ok := plainHost(h)
			if !ok {
				db.complex = true
				continue
			}
			db.types[a] = append(db.types[a], key.Type())
		}
	}
}

// plainHost is "host:port" for a known_hosts name that matches exactly one
// address, as knownhosts parses it ("host" is port 22, "[host]:port");
// false for hashed names, patterns and negations.
func plainHost(name string) (string, bool) {
	if name == "" || name[0] == '|' || strings.ContainsAny(name, "*?!") {
		return "", false
	}
	host, port, err := net.SplitHostPort(name)
	if err != nil {
		if name[0] == '[' {
			return "", false
		}
		host, port = name, "22"
	}
	return net.JoinHostPort(host, port), true
}

// knownTypes returns the key types known for addr from the index, and
// whether the index can answer (no complex entry, and addr listed).
func (db *knownDB) knownTypes(addr string) ([]string, bool) {
	if db.complex {
		return nil, false
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, false
	}
	t := db.types[net.JoinHostPort(host, port)]
	return t, len(t) > 0
}

// algorithms returns the host key algorithms to ask ep for: the types of
// the keys known for it, so that the server presents a key of a known type
// (as OpenSSH does); when none is known, OpenSSH's preference (ed25519 and
// ECDSA before RSA), so that accept-new records the key ssh would.
func (k *hostKeys) algorithms(ep *endpoint) []string {
	preferred := []string{
		ssh.CertAlgoED25519v01, ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
		ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
		ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA,
	}
	db, err := k.loadDB(ep.allKnownHosts(), false)
	if err != nil {
		return preferred
	}
	types, ok := db.knownTypes(ep.addr())
	if !ok {
		var ke *knownhosts.KeyError
		if !errors.As(db.check(ep.addr(), probeAddr(), k.probe), &ke) || len(ke.Want) == 0 {
			return preferred
		}
		for _, w := range ke.Want {
			types = append(types, w.Key.Type())
		}
	}
	var algos []string
	for _, t := range types {
		if t == ssh.KeyAlgoRSA {
			algos = appendNew(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		} else {
			algos = appendNew(algos, t)
		}
	}
	return algos
}

// probeAddr is the remote address handed to the knownhosts checker, which
// parses it but matches on the host name given first.
func probeAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22} }

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, l := range list {
			found = found || l == it
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}

// verify checks the key the server at ep presented.
func (k *hostKeys) verify(ctx context.Context, host string, ep *endpoint, key ssh.PublicKey) error {
	files := ep.allKnownHosts()
	cb, err := k.load(files, false)
	if err != nil {
		return k.unreadable(host, ep, err)
	}
	err = cb(ep.addr(), probeAddr(), key)
	if err == nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) > 0 || ep.settings.HostKeyPolicy != PolicyAcceptNew {
		return k.refuse(host, ep, key, err)
	}
	return k.acceptNew(ctx, host, ep, key)
}

// acceptNew records an unknown key in the first known_hosts file, unless
// another connection or process recorded a key for the host meanwhile.
func (k *hostKeys) acceptNew(ctx context.Context, host string, ep *endpoint, key ssh.PublicKey) error {
	target := ep.knownHosts[0]
	k.writeMu.Lock()
	defer k.writeMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return k.unwritable(host, target, err)
	}
	f, err := os.OpenFile(target, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return k.unwritable(host, target, err)
	}
	defer f.Close()
	if err := flock(ctx, f); err != nil {
		return k.unwritable(host, target, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)

	// Re-read under the lock: a concurrent writer may have added the host.
	cb, err := k.load(ep.allKnownHosts(), true)
	if err != nil {
		return k.unreadable(host, ep, err)
	}
	err = cb(ep.addr(), probeAddr(), key)
	var ke *knownhosts.KeyError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ke) || len(ke.Want) > 0 {
		return k.refuse(host, ep, key, err)
	}

	name := knownhosts.Normalize(ep.addr())
	if ep.hashKnownHosts {
		name = knownhosts.HashHostname(name)
	}
	line := knownhosts.Line([]string{name}, key) + "\n"
	if needsNewline(f) {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		return k.unwritable(host, target, err)
	}
	if err := f.Sync(); err != nil {
		return k.unwritable(host, target, err)
	}
	k.mu.Lock()
	delete(k.cache, strings.Join(ep.allKnownHosts(), "\x00"))
	k.mu.Unlock()
	return nil
}

// flock takes an exclusive lock on f, giving up when ctx ends.
func flock(ctx context.Context, f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the lock: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// needsNewline reports whether f is non-empty and does not end in a newline.
func needsNewline(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil && err != io.EOF {
		return false
	}
	return last[0] != '\n'
}

// refuse builds the hostkey error for a key that is unknown (strict),
// changed or revoked.
func (k *hostKeys) refuse(host string, ep *endpoint, key ssh.PublicKey, err error) *Error {
	offered := key.Type() + " " + ssh.FingerprintSHA256(key)
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case errors.As(err, &re):
		return &Error{Reason: ReasonHostKey, Host: host, Err: err,
			Msg: fmt.Sprintf("%s presented host key %s, which %s:%d marks @revoked; do not connect until the server has a new key",
				ep.addr(), offered, re.Revoked.Filename, re.Revoked.Line)}
	case errors.As(err, &ke) && len(ke.Want) > 0:
		var known []string
		for _, w := range ke.Want {
			known = append(known, fmt.Sprintf("%s %s at %s:%d", w.Key.Type(), ssh.FingerprintSHA256(w.Key), w.Filename, w.Line))
		}
		return &Error{Reason: ReasonHostKey, Host: host,
			Msg: fmt.Sprintf("HOST KEY CHANGED for %s: the server presented %s but known_hosts has %s. "+
				"This may be a man-in-the-middle attack. If the change is expected, remove the old entry "+
				"(ssh-keygen -R '%s' -f %s) and add the new key", ep.addr(), offered, strings.Join(known, "; "),
				knownhosts.Normalize(ep.addr()), ke.Want[0].Filename)}
	case errors.As(err, &ke):
		return &Error{Reason: ReasonHostKey, Host: host,
			Msg: fmt.Sprintf("host key of %s is not known (the server presented %s; looked in %s); verify the fingerprint, then add it "+
				"with: ssh-keyscan -p %d %s >> %s — or set host_key_policy = \"accept-new\" to record keys on first contact",
				ep.addr(), offered, strings.Join(ep.allKnownHosts(), ", "), ep.port, ep.host, ep.knownHosts[0])}
	default:
		return &Error{Reason: ReasonHostKey, Host: host, Err: err,
			Msg: fmt.Sprintf("cannot verify the host key %s of %s", offered, ep.addr())}
	}
}

func (k *hostKeys) unreadable(host string, ep *endpoint, err error) *Error {
	return &Error{Reason: ReasonHostKey, Host: host, Err: err,
		Msg: fmt.Sprintf("cannot read known_hosts (%s); fix or remove the bad line", strings.Join(ep.allKnownHosts(), ", "))}
}

func (k *hostKeys) unwritable(host, file string, err error) *Error {
	return &Error{Reason: ReasonHostKey, Host: host, Err: err,
		Msg: fmt.Sprintf("cannot record the new host key in %s (host_key_policy = \"accept-new\"); check the file's permissions", file)}
}

// hostKeyOutcome records the host key check, which runs on x/crypto's
// handshake goroutine.
type hostKeyOutcome struct {
	mu   sync.Mutex
	seen bool
	err  error
}

func (o *hostKeyOutcome) set(err error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen, o.err = true, err
	return err
}

func (o *hostKeyOutcome) get() (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen, o.err
}
