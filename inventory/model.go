package inventory

import "time"

// Inventory is a loaded, validated and resolved inventory: what every other
// package reads. Hosts are in a stable order (file order, ranges expanded in
// order).
type Inventory struct {
	Files    []string            // the files loaded, in order
	Hosts    []*Host             // every host, settings resolved host > group > defaults
	Bastions map[string]*Bastion // by name
	Groups   map[string]*Group   // by name
	Params   map[string]any      // the params block as plain Go values (float64, string, bool, []any, map[string]any)
	Waivers  []*Waiver
	History  *History // the history block; nil when there is none
}

// Host is one target with its effective settings.
type Host struct {
	Name    string            // unique; the inventory name or the expanded range entry
	Address string            // host name or IP literal to dial (no port, no brackets)
	Port    int               // default 22
	Groups  []string          // groups that list this host, in file order
	Labels  map[string]string // merged: defaults < groups (the first group in file order wins a key) < host
	Bastion string            // name of the first hop, "" for direct

	Transport string // "ssh" (default) or "local"
	SSH       SSHSettings

	Concurrency int // the tightest cap among this host's groups; 0 = none

	DeclRange Range // where the host was declared (for diagnostics)
}

// SSHSettings are the effective connection settings of a host or bastion.
type SSHSettings struct {
	User                  string        // "" = ssh_config's User, else the local user (the transport decides)
	IdentityFiles         []string      // "~" expanded; empty = ssh_config / OpenSSH defaults
	IdentityPassphraseEnv string        // name of the env var holding the key passphrase
	Password              Secret        // from env() or file() only (a literal is accepted with a warning)
	UseAgent              bool          // use SSH_AUTH_SOCK when set (default true)
	KnownHosts            []string      // "~" expanded; empty = ssh_config / OpenSSH defaults
	HostKeyPolicy         string        // "strict" (default) or "accept-new"
	Timeout               time.Duration // bounds the whole host (default 60s)
	ConnectTimeout        time.Duration // TCP connect + SSH handshake (default 10s)
	Sudo                  bool          // run the collector with sudo -n
	SSHConfig             string        // path of an ssh_config file to honour ("" = ~/.ssh/config; "none" = off)
}

// Secret holds a credential. It never prints its value: String, GoString and
// MarshalJSON redact it.
type Secret struct{ value string }

// NewSecret wraps v.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the secret value; only the transport calls it.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether a value is present.
func (s Secret) IsSet() bool { return s.value != "" }

func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return "<redacted>"
}

// GoString redacts the value under %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON redacts the value.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s.value == "" {
		return []byte(`""`), nil
	}
	return []byte(`"<redacted>"`), nil
}

// Bastion is a jump host.
type Bastion struct {
	Name    string
	Address string
	Port    int
	Bastion string // next hop outward ("" = dialled directly)
	SSH     SSHSettings
	// Concurrency caps sessions opened through this bastion at once
	// (default 8, below sshd's MaxStartups of 10).
	Concurrency int
	DeclRange   Range
}

// Group is a named set of hosts.
type Group struct {
	Name        string
	Labels      map[string]string
	Concurrency int
	Bastion     string
	DeclRange   Range
}

// Waiver is a parsed waiver block; its semantics belong to the gate.
type Waiver struct {
	Checks        []string // check ids or globs ("kmem.kubelet", "kmem.*"); the block label is the first
	Hosts         []string // host name globs; empty = all hosts
	Groups        []string
	Reason        string
	Owner         string
	Ticket        string
	Expires       time.Time // end of the named day, UTC (expires = "2026-12-31" covers that whole day)
	AllowCritical bool
	DeclRange     Range
}

// Range is a position in an inventory file.
type Range struct {
	Filename string
	Line     int
	Column   int
}
