package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kevinburke/ssh_config"
)

// DefaultBastionConcurrency caps the host connections open through one
// bastion at once when the inventory does not say (sshd's MaxStartups and
// MaxSessions default to 10).
const DefaultBastionConcurrency = 8

// maxHops bounds a bastion chain (and catches cycles).
const maxHops = 8

// endpoint is one SSH server to reach: a target host or a bastion, with the
// inventory settings completed from ssh_config and defaults.
type endpoint struct {
	name               string // inventory host or bastion name, or "proxyjump <spec>"
	host               string // address dialled (ssh_config HostName applied)
	port               int
	user               string
	settings           inventory.SSHSettings
	identityFiles      []string
	explicitIdentities bool     // identity files came from the inventory or ssh_config
	knownHosts         []string // user files; the first one receives accept-new entries
	globalKnownHosts   []string // read-only (/etc/ssh/ssh_known_hosts)
	hashKnownHosts     bool
	identitiesOnly     bool
	via                *endpoint // next hop outward; nil = dial directly
	poolKey            string    // bastions: key of the shared connection
	concurrency        int       // bastions: cap on host channels through it
}

func (e *endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

func (e *endpoint) allKnownHosts() []string {
	return append(append([]string(nil), e.knownHosts...), e.globalKnownHosts...)
}

// describe names a bastion in messages.
func (e *endpoint) describe() string { return fmt.Sprintf("bastion %q (%s)", e.name, e.addr()) }

// configCache holds parsed ssh_config files by path.
type configCache struct {
	mu    sync.Mutex
	files map[string]*parsedConfig
}

type parsedConfig struct {
	cfg *ssh_config.Config // nil when there is no file
	err error
}

// get returns the parsed ssh_config for the inventory setting path ("" =
// ~/.ssh/config, which may be absent; "none" = no file).
func (c *configCache) get(path, home string) (*ssh_config.Config, error) {
	if path == "none" {
		return nil, nil
	}
	optional := path == ""
	if optional {
		path = filepath.Join(home, ".ssh", "config")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = map[string]*parsedConfig{}
	}
	if p, ok := c.files[path]; ok {
		return p.cfg, p.err
	}
	p := &parsedConfig{}
	f, err := os.Open(path)
	switch {
	case optional && errors.Is(err, fs.ErrNotExist):
	case err != nil:
		p.err = err
	default:
		p.cfg, p.err = ssh_config.Decode(f)
		f.Close()
	}
	c.files[path] = p
	return p.cfg, p.err
}

// resolver completes endpoints from the inventory, ssh_config and defaults.
type resolver struct {
	bastions  map[string]*inventory.Bastion
	configs   *configCache
	home      string
	localUser string
}

// host returns the endpoint chain for h: h itself, with via set to the
// first hop (inventory bastion, else ssh_config ProxyJump).
func (r *resolver) host(h *inventory.Host) (*endpoint, error) {
	cfg, err := r.configs.get(h.SSH.SSHConfig, r.home)
	if err != nil {
		return nil, configError(h.Name, h.SSH.SSHConfig, err)
	}
	ep := r.complete(h.Name, h.Address, h.Port, h.SSH, cfg)
	switch {
	case h.Bastion != "":
		ep.via, err = r.bastion(h.Name, h.Bastion, 1)
	case cfg != nil:
		if jump := lookup(cfg, h.Address, "ProxyJump"); jump != "" && !strings.EqualFold(jump, "none") {
			ep.via, err = r.proxyJump(h, jump, cfg)
		}
	}
	return ep, err
}

// bastion resolves the inventory bastion name and its own hops.
func (r *resolver) bastion(host, name string, depth int) (*endpoint, error) {
	b := r.bastions[name]
	if b == nil {
		return nil, &Error{Reason: ReasonConnect, Host: host, Msg: fmt.Sprintf("bastion %q is not defined in the inventory", name)}
	}
	if depth > maxHops {
		return nil, &Error{Reason: ReasonConnect, Host: host,
			Msg: fmt.Sprintf("bastion chain through %q is longer than %d hops (a cycle?); fix the bastion settings", name, maxHops)}
	}
	cfg, err := r.configs.get(b.SSH.SSHConfig, r.home)
	if err != nil {
		return nil, configError(host, b.SSH.SSHConfig, err)
	}
	ep := r.complete(b.Name, b.Address, b.Port, b.SSH, cfg)
	ep.poolKey = "bastion " + b.Name
	ep.concurrency = orDefault(b.Concurrency, DefaultBastionConcurrency)
	if b.Bastion != "" {
		if ep.via, err = r.bastion(host, b.Bastion, depth+1); err != nil {
			return nil, err
		}
	}
	return ep, nil
}

// proxyJump turns ssh_config's "ProxyJump [user@]host[:port],..." into a
// chain of hops; the hops inherit the host's settings.
func (r *resolver) proxyJump(h *inventory.Host, spec string, cfg *ssh_config.Config) (*endpoint, error) {
	hops := strings.Split(spec, ",")
	if len(hops) > maxHops {
		return nil, &Error{Reason: ReasonConnect, Host: h.Name, Msg: fmt.Sprintf("ProxyJump %q has more than %d hops", spec, maxHops)}
	}
	var via *endpoint
	for _, hop := range hops {
		user, host, port, err := parseJump(strings.TrimSpace(hop))
		if err != nil {
			return nil, &Error{Reason: ReasonConnect, Host: h.Name, Msg: fmt.Sprintf("ssh_config ProxyJump %q: %v", spec, err)}
		}
		settings := h.SSH
		settings.User = user
		settings.IdentityFiles = nil
		ep := r.complete("proxyjump "+hop, host, port, settings, cfg)
		ep.concurrency = DefaultBastionConcurrency
		ep.poolKey = "jump " + ep.user + "@" + ep.addr()
		if via != nil {
			ep.poolKey += " via " + via.poolKey
		}
		ep.via = via
		via = ep
	}
	return via, nil
}

// parseJump splits "[ssh://][user@]host[:port]".
func parseJump(s string) (user, host string, port int, err error) {
	s = strings.TrimPrefix(s, "ssh://")
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		user, s = s[:i], s[i+1:]
	}
	host = s
	if h, p, splitErr := net.SplitHostPort(s); splitErr == nil {
		host = h
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return "", "", 0, fmt.Errorf("bad port in %q", s)
		}
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return "", "", 0, errors.New("empty host")
	}
	return user, host, port, nil
}

// complete fills what the inventory left unset from ssh_config (looked up by
// the inventory address, as `ssh <address>` would) and from defaults. An
// inventory port of 22 is treated as unset.
func (r *resolver) complete(name, address string, port int, s inventory.SSHSettings, cfg *ssh_config.Config) *endpoint {
	ep := &endpoint{name: name, host: address, port: port, user: s.User, settings: s}
	get := func(key string) string { return lookup(cfg, address, key) }
	if hn := get("HostName"); hn != "" {
		ep.host = strings.ReplaceAll(hn, "%h", address)
	}
	if ep.port == 0 || ep.port == DefaultPort {
		ep.port = DefaultPort
		if p, err := strconv.Atoi(get("Port")); err == nil && p > 0 && p <= 65535 {
			ep.port = p
		}
	}
	if ep.user == "" {
		ep.user = get("User")
	}
	if ep.user == "" {
		ep.user = r.localUser
	}
	expand := func(v string) string { return r.expand(v, ep) }

	ep.identityFiles = mapList(s.IdentityFiles, expand)
	ep.explicitIdentities = len(ep.identityFiles) > 0
	if !ep.explicitIdentities && cfg != nil {
		all, _ := cfg.GetAll(address, "IdentityFile")
		ep.identityFiles = mapList(all, func(v string) string { return expand(unquote(v)) })
		ep.explicitIdentities = len(ep.identityFiles) > 0
	}
	if !ep.explicitIdentities {
		for _, f := range []string{"id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk"} {
			ep.identityFiles = append(ep.identityFiles, filepath.Join(r.home, ".ssh", f))
		}
	}

	ep.knownHosts = mapList(s.KnownHosts, expand)
	if len(ep.knownHosts) == 0 {
		ep.knownHosts = mapList(strings.Fields(get("UserKnownHostsFile")), expand)
		if len(ep.knownHosts) == 0 {
			ep.knownHosts = []string{filepath.Join(r.home, ".ssh", "known_hosts")}
		}
		ep.globalKnownHosts = mapList(strings.Fields(get("GlobalKnownHostsFile")), expand)
		if len(ep.globalKnownHosts) == 0 {
			ep.globalKnownHosts = []string{"/etc/ssh/ssh_known_hosts"}
		}
	}
	ep.hashKnownHosts = strings.EqualFold(get("HashKnownHosts"), "yes")
	ep.identitiesOnly = strings.EqualFold(get("IdentitiesOnly"), "yes")
	return ep
}

// expand resolves "~" and the ssh_config tokens %d %u %h %r %p %% in a path.
func (r *resolver) expand(v string, ep *endpoint) string {
	if v == "~" || strings.HasPrefix(v, "~/") {
		v = r.home + v[1:]
	}
	if !strings.Contains(v, "%") {
		return v
	}
	return strings.NewReplacer("%%", "%", "%d", r.home, "%u", r.localUser, "%h", ep.host,
		"%r", ep.user, "%p", strconv.Itoa(ep.port)).Replace(v)
}

// lookup returns the first ssh_config value for key and alias ("" when none).
func lookup(cfg *ssh_config.Config, alias, key string) string {
	if cfg == nil {
		return ""
	}
	v, err := cfg.Get(alias, key)
	if err != nil {
		return ""
	}
	return unquote(strings.TrimSpace(v))
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

func mapList(in []string, f func(string) string) []string {
	var out []string
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

func configError(host, path string, err error) *Error {
	if path == "" {
		path = "~/.ssh/config"
	}
	return &Error{Reason: ReasonConnect, Host: host, Err: err,
		Msg: fmt.Sprintf("cannot use ssh_config %s; fix it, or set ssh_config = \"none\" in the inventory", path)}
}
