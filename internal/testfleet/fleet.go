package testfleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BaseDir holds one directory per fleet run. Every component of the path
// must be root-owned and not writable by group or others (sshd checks it).
const BaseDir = "/var/lib/kaudit-testfleet"

// MaxHostsPerSSHD is the most hosts one sshd can serve when the hosts are
// split (Options.HostsPerSSHD): OpenSSH listens on at most 16 addresses
// (MAX_LISTEN_SOCKS).
const MaxHostsPerSSHD = 16

// NetNSPrefix starts the name of every network namespace a fleet creates.
const NetNSPrefix = "kaudit-"

const (
	sshPort    = 22
	tarpitPort = 2222
)

// Options configure Start. Zero values take the defaults.
type Options struct {
	Dir      string         // root-owned 0755 run directory; default BaseDir/<run-id>
	NetNS    string         // network namespace; default kaudit-<run-id>
	Fixtures string         // fixture directory; default testdata/fleet of the module
	Hosts    []string       // fixtures to start; nil = all
	Clones   map[string]int // fixture -> extra hard-linked copies <fixture>-c0001...
	User     string         // login user; default "kaudit"
	Log      io.Writer      // progress messages; nil = none
	// HostsPerSSHD splits the hosts over several sshd processes serving at
	// most this many hosts each (1..MaxHostsPerSSHD), every one listening on
	// its hosts' own addresses; 0 runs one sshd for every host on
	// 0.0.0.0:22. sshd parses its whole config, one Match block per host,
	// for every connection: at 2,000 hosts in one sshd that doubles sshd's
	// CPU per connection, which a real host (its own sshd, a short config)
	// never pays. Benchmarks use MaxHostsPerSSHD.
	HostsPerSSHD int
}

// Host is one fleet host.
type Host struct {
	Name    string // inventory name: the fixture's, or <fixture>-cNNNN for a clone
	Fixture string
	Address string // 127.1.X.Y inside the network namespace
	Port    int
	Fault   string // the fixture's fault, "" for a normal host
	Sudo    bool   // the inventory sets sudo = true
	Root    string // the chroot directory; "" for the tarpit
	Expect  Expect // the fixture's expectations
}

// Fleet is a running test fleet. Its exported fields are saved by Save and
// restored by Load (for `testfleet down` from another process).
type Fleet struct {
	RunID      string
	Hosts      []Host
	NetNS      string
	Dir        string
	KnownHosts string // known_hosts for the client
	ClientKey  string // private key the login user authenticates with
	Inventory  string // kaudit inventory (HCL) of the fleet
	SSHDConfig string
	SSHDLog    string // sshd's log (LogLevel VERBOSE), see SSHDStats; every sshd appends to it
	User       string
	// HostsPerSSHD is Options.HostsPerSSHD. With more hosts than that,
	// SSHDConfigs lists one config per sshd (the first is SSHDConfig).
	HostsPerSSHD int
	SSHDConfigs  []string

	mu      sync.Mutex
	stopped bool
	waits   []chan error // one per started process, closed on exit
	pids    []int        // processes this Fleet value started (sshd, tarpits)
}

// Start builds the fleet and starts its sshd and tarpits. It needs root. On
// error everything made so far is removed.
func Start(ctx context.Context, o Options) (*Fleet, error) {
	if o.HostsPerSSHD < 0 || o.HostsPerSSHD > MaxHostsPerSSHD {
		return nil, fmt.Errorf("HostsPerSSHD %d: want 0 (one sshd) or 1..%d (sshd listens on at most %d addresses)", o.HostsPerSSHD, MaxHostsPerSSHD, MaxHostsPerSSHD)
	}
	if err := Preflight(); err != nil {
		return nil, err
	}
	runID, err := newRunID()
	if err != nil {
		return nil, err
	}
	if o.Dir == "" {
		o.Dir = filepath.Join(BaseDir, runID)
	}
	if o.NetNS == "" {
		o.NetNS = NetNSPrefix + runID
	}
	if o.User == "" {
		o.User = "kaudit"
	}
	if o.Fixtures == "" {
		if o.Fixtures, err = defaultFixtures(); err != nil {
			return nil, err
		}
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	fixtures, err := LoadFixtures(o.Fixtures)
	if err != nil {
		return nil, err
	}
	hosts, err := planHosts(fixtures, o)
	if err != nil {
		return nil, err
	}
	if err := prepareRunDir(o.Dir); err != nil {
		return nil, err
	}
	f := &Fleet{
		RunID: runID, Hosts: hosts, NetNS: o.NetNS, Dir: o.Dir, User: o.User, HostsPerSSHD: o.HostsPerSSHD,
		KnownHosts: filepath.Join(o.Dir, "ssh", "known_hosts"),
		ClientKey:  filepath.Join(o.Dir, "ssh", "client_ed25519"),
		Inventory:  filepath.Join(o.Dir, "inventory.hcl"),
		SSHDConfig: filepath.Join(o.Dir, "ssh", "sshd_config"),
		SSHDLog:    filepath.Join(o.Dir, "ssh", "sshd.log"),
	}
	if err := f.start(ctx, o, fixtures, logf); err != nil {
		if serr := f.Stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("clean up after failed start: %w", serr))
		}
		return nil, err
	}
	return f, nil
}

func (f *Fleet) start(ctx context.Context, o Options, fixtures map[string]*Fixture, logf func(string, ...any)) error {
	if err := f.Save(f.statePath()); err != nil { // early, so `down` can clean a half-built run
		return err
	}
	user, err := ensureAccount(ctx, o.User)
	if err != nil {
		return err
	}
	sys, err := discoverSystem(ctx)
	if err != nil {
		return err
	}
	sysDir := filepath.Join(f.Dir, "sys")
	if err := copySystem(sys, sysDir); err != nil {
		return err
	}
	b := &builder{fleetDir: o.Fixtures, fixtures: fixtures, sys: sys, sysDir: sysDir, user: user, privileged: true}
	if b.fleetDir, err = filepath.Abs(o.Fixtures); err != nil {
		return err
	}
	hostsDir := filepath.Join(f.Dir, "hosts")
	if err := os.Mkdir(hostsDir, 0o755); err != nil {
		return err
	}
	built := map[string]string{}
	started := time.Now()
	for _, h := range f.Hosts {
		if h.Root == "" {
			continue
		}
		if src, ok := built[h.Fixture]; ok {
			if err := cloneTree(src, h.Root); err != nil {
				return fmt.Errorf("clone %s: %w", h.Name, err)
			}
			continue
		}
		if err := b.buildHost(fixtures[h.Fixture], h.Root); err != nil {
			return err
		}
		built[h.Fixture] = h.Root
	}
	logf("built %d host trees in %s", len(f.Hosts), time.Since(started).Round(time.Millisecond))
	// The procfs mounts must exist before sshd starts: `ip netns exec` gives
	// sshd its own mount namespace, copied at that moment.
	for _, h := range f.Hosts {
		if h.Root != "" {
			if err := mountProc(filepath.Join(h.Root, kprocDir)); err != nil {
				return err
			}
		}
	}
	if err := f.writeKeys(ctx, user.Name); err != nil {
		return err
	}
	// sshd's privilege separation directory: `sshd -t` fails without it, and
	// a new machine without systemd has none until a service start creates it.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return fmt.Errorf("create sshd privilege separation directory: %w", err)
	}
	for _, cfg := range f.sshdConfigs() {
		if err := runCmd(ctx, sshdPath, "-t", "-f", cfg); err != nil {
			return fmt.Errorf("check sshd_config %s: %w", cfg, err)
		}
	}
	if err := createNetNS(ctx, f.NetNS); err != nil {
		return err
	}
	if err := f.startSSHD(ctx); err != nil {
		return err
	}
	if err := f.startTarpits(ctx); err != nil {
		return err
	}
	if err := writePrivate(f.Inventory, []byte(inventoryHCL(f, user.Name)), 0o644); err != nil {
		return err
	}
	logf("fleet %s: %d hosts in network namespace %s", f.RunID, len(f.Hosts), f.NetNS)
	return f.Save(f.statePath())
}

func (f *Fleet) statePath() string { return filepath.Join(f.Dir, "state.json") }

// writeKeys makes the host key, the client key, the "other" key of the
// changed-key host, authorized_keys, known_hosts and sshd_config.
func (f *Fleet) writeKeys(ctx context.Context, user string) error {
	dir := filepath.Join(f.Dir, "ssh")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	hostKey, err := genKey(ctx, filepath.Join(dir, "host_ed25519_key"), "kaudit-testfleet-host-"+f.RunID)
	if err != nil {
		return err
	}
	client, err := genKey(ctx, f.ClientKey, "kaudit-testfleet-client-"+f.RunID)
	if err != nil {
		return err
	}
	other, err := genKey(ctx, filepath.Join(dir, "other_ed25519_key"), "kaudit-testfleet-other-"+f.RunID)
	if err != nil {
		return err
	}
	authorized := filepath.Join(dir, "authorized_keys")
	if err := writePrivate(authorized, []byte("restrict "+client.Public+"\n"), 0o644); err != nil {
		return err
	}
	var kh strings.Builder
	for _, h := range f.Hosts {
		switch h.Fault {
		case FaultUnknownKey:
		case FaultChangedKey:
			kh.WriteString(knownHostsLine(h.Address, h.Port, other.Public))
		default:
			kh.WriteString(knownHostsLine(h.Address, h.Port, hostKey.Public))
		}
	}
	if err := writePrivate(f.KnownHosts, []byte(kh.String()), 0o644); err != nil {
		return err
	}
	shards := sshdShards(f.Hosts, f.HostsPerSSHD)
	if len(shards) == 1 {
		return writePrivate(f.SSHDConfig, []byte(sshdConfig(f, hostKey.Private, authorized, user)), 0o644)
	}
	f.SSHDConfigs = nil
	for i, hosts := range shards {
		path := f.SSHDConfig
		if i > 0 {
			path += "." + strconv.Itoa(i)
		}
		if err := writePrivate(path, []byte(renderSSHDConfig(f, hosts, true, hostKey.Private, authorized, user)), 0o644); err != nil {
			return err
		}
		f.SSHDConfigs = append(f.SSHDConfigs, path)
	}
	return nil
}

// sshdConfigs lists the config of every sshd of the fleet.
func (f *Fleet) sshdConfigs() []string {
	if len(f.SSHDConfigs) > 0 {
		return f.SSHDConfigs
	}
	return []string{f.SSHDConfig}
}

// startProcess starts name inside the network namespace, detached from our
// session (it outlives a CLI `up`), and reaps it when it exits.
func (f *Fleet) startProcess(env []string, name string, args ...string) (<-chan error, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", f.NetNS, name}, args...)...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); close(done) }()
	f.mu.Lock()
	f.waits = append(f.waits, done)
	f.pids = append(f.pids, cmd.Process.Pid)
	f.mu.Unlock()
	return done, nil
}

// startSSHD starts every sshd (see Options.HostsPerSSHD) and waits until
// each answers on its first host's address.
func (f *Fleet) startSSHD(ctx context.Context) error {
	shards := sshdShards(f.Hosts, f.HostsPerSSHD)
	for i, cfg := range f.sshdConfigs() {
		done, err := f.startProcess(os.Environ(), sshdPath, "-D", "-f", cfg, "-E", f.SSHDLog)
		if err != nil {
			return err
		}
		if i >= len(shards) || len(shards[i]) == 0 {
			continue
		}
		h := shards[i][0]
		if err := waitListening(ctx, f.NetNS, net.JoinHostPort(h.Address, strconv.Itoa(h.Port)), "SSH-2.0-", done); err != nil {
			return fmt.Errorf("sshd %s: %w%s", cfg, err, logTail(f.SSHDLog))
		}
	}
	return nil
}

func (f *Fleet) startTarpits(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("tarpit: %w", err)
	}
	for _, h := range f.Hosts {
		if h.Fault != FaultTarpit {
			continue
		}
		addr := net.JoinHostPort(h.Address, strconv.Itoa(h.Port))
		done, err := f.startProcess(append(os.Environ(), TarpitEnv+"="+addr), exe)
		if err != nil {
			return err
		}
		if err := waitListening(ctx, f.NetNS, addr, "", done); err != nil {
			return fmt.Errorf("tarpit: %w", err)
		}
	}
	return nil
}

func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return ""
	}
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return "\nsshd log:\n" + string(data)
}

// Stop kills every process of the fleet (sshd, its sessions, the tarpits),
// deletes the network namespace, unmounts the procfs mounts and removes the
// run directory. It is idempotent and works on a half-started fleet.
func (f *Fleet) Stop() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	if f.NetNS != "" {
		if err := deleteNetNS(ctx, f.NetNS); err != nil {
			errs = append(errs, err)
		}
	}
	for _, w := range f.waits { // our own children: reaped by now
		select {
		case <-w:
		case <-time.After(5 * time.Second):
			errs = append(errs, errors.New("a fleet process did not exit"))
		}
	}
	if err := removeRunDir(f.Dir); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("stop fleet %s: %w", f.RunID, errors.Join(errs...))
	}
	f.stopped = true
	return nil
}

// removeRunDir unmounts everything below dir and deletes it; it refuses to
// delete while a mount is left (RemoveAll would descend into it).
func removeRunDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := unmountAll(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// Command returns a command that runs name inside the fleet's network
// namespace (ip netns exec).
func (f *Fleet) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", f.NetNS, name}, args...)...)
}

// SSH returns an OpenSSH client command that runs command on host as the
// login user, inside the namespace, trusting only the fleet's known_hosts.
func (f *Fleet) SSH(ctx context.Context, host string, command ...string) (*exec.Cmd, error) {
	h, err := f.Host(host)
	if err != nil {
		return nil, err
	}
	args := []string{
		"-F", "/dev/null", "-i", f.ClientKey, "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + f.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3",
		"-o", "KexAlgorithms=curve25519-sha256", "-o", "LogLevel=ERROR",
		"-p", strconv.Itoa(h.Port), "-l", f.User, h.Address, "--",
	}
	return f.Command(ctx, "ssh", append(args, command...)...), nil
}

// Host returns the host named name.
func (f *Fleet) Host(name string) (Host, error) {
	for _, h := range f.Hosts {
		if h.Name == name {
			return h, nil
		}
	}
	return Host{}, fmt.Errorf("no host %q in the fleet", name)
}

// DialContext connects to addr from inside the fleet's network namespace, for
// in-process clients (a transport's dialer, a benchmark).
func (f *Fleet) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialInNetNS(ctx, f.NetNS, network, addr)
}

// Save writes the fleet's state as JSON.
func (f *Fleet) Save(path string) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(path, append(data, '\n'), 0o644)
}

// Load reads a fleet saved by Save; Stop on it tears that fleet down.
func Load(path string) (*Fleet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load fleet state: %w", err)
	}
	f := &Fleet{}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("load fleet state %s: %w", path, err)
	}
	if f.RunID == "" || !strings.HasPrefix(f.Dir, "/") {
		return nil, fmt.Errorf("load fleet state %s: not a fleet state file", path)
	}
	return f, nil
}

// DownAll removes what fleets left behind: every kaudit-* network namespace
// (and the processes in it), every mount and run directory under BaseDir.
// It returns what it removed.
func DownAll(ctx context.Context) ([]string, error) {
	var done []string
	var errs []error
	names, err := listNetNS()
	if err != nil {
		return nil, err
	}
	for _, ns := range names {
		if !strings.HasPrefix(ns, NetNSPrefix) {
			continue
		}
		if err := deleteNetNS(ctx, ns); err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, "network namespace "+ns)
	}
	// An sshd of a fleet whose namespace is already gone: its command line
	// names its config under BaseDir.
	for _, pid := range fleetSSHDs() {
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			done = append(done, "sshd process "+strconv.Itoa(pid))
		}
	}
	entries, err := os.ReadDir(BaseDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, e := range entries {
		dir := filepath.Join(BaseDir, e.Name())
		if err := removeRunDir(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, "run directory "+dir)
	}
	return done, errors.Join(errs...)
}

// planHosts lists the hosts to start, in order, with their addresses.
func planHosts(fixtures map[string]*Fixture, o Options) ([]Host, error) {
	names := o.Hosts
	if names == nil {
		names = HostNames(fixtures)
	}
	seen := map[string]bool{}
	for _, n := range names {
		fx, ok := fixtures[n]
		if !ok || fx.IsLayer() {
			return nil, fmt.Errorf("host %q: no such fixture in %s (have %s)", n, o.Fixtures, strings.Join(HostNames(fixtures), ", "))
		}
		if seen[n] {
			return nil, fmt.Errorf("host %q listed twice", n)
		}
		seen[n] = true
	}
	cloned := make([]string, 0, len(o.Clones))
	for n, c := range o.Clones {
		if !seen[n] {
			return nil, fmt.Errorf("clones of %q: it is not among the hosts", n)
		}
		if c < 0 || c > 9999 {
			return nil, fmt.Errorf("clones of %q: %d copies (want 0..9999)", n, c)
		}
		if fixtures[n].Manifest.Fault == FaultTarpit {
			return nil, fmt.Errorf("clones of %q: the tarpit cannot be cloned", n)
		}
		cloned = append(cloned, n)
	}
	sort.Strings(cloned)
	var hosts []Host
	hostsDir := filepath.Join(o.Dir, "hosts")
	add := func(name string, fx *Fixture) error {
		addr, err := hostAddress(len(hosts))
		if err != nil {
			return err
		}
		h := Host{Name: name, Fixture: fx.Name, Address: addr, Port: sshPort, Fault: fx.Manifest.Fault, Sudo: fx.Manifest.Sudo, Expect: fx.Manifest.Expect}
		if h.Fault == FaultTarpit {
			h.Port = tarpitPort
		} else {
			h.Root = filepath.Join(hostsDir, name)
		}
		hosts = append(hosts, h)
		return nil
	}
	for _, n := range names {
		if err := add(n, fixtures[n]); err != nil {
			return nil, err
		}
		if slices.Contains(cloned, n) {
			for i := 1; i <= o.Clones[n]; i++ {
				if err := add(fmt.Sprintf("%s-c%04d", n, i), fixtures[n]); err != nil {
					return nil, err
				}
			}
		}
	}
	return hosts, nil
}

// hostAddress is the i-th address: 127.1.0.2 ... 127.1.0.254, 127.1.1.2 ...
func hostAddress(i int) (string, error) {
	const perBlock = 253 // .2 .. .254
	x, y := i/perBlock, i%perBlock+2
	if x > 255 {
		return "", fmt.Errorf("too many hosts (%d)", i+1)
	}
	return fmt.Sprintf("127.1.%d.%d", x, y), nil
}

func newRunID() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b), nil
}

// prepareRunDir creates dir (0755, root) after checking that every existing
// ancestor is root-owned and not writable by group or others, as sshd's
// ChrootDirectory requires.
func prepareRunDir(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("run directory %q: want an absolute path", dir)
	}
	dir = filepath.Clean(dir)
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("run directory %s already exists", dir)
	}
	var missing []string
	p := filepath.Dir(dir)
	for {
		info, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, p)
		} else if err != nil {
			return err
		} else {
			st, ok := info.Sys().(*syscall.Stat_t)
			if !ok || st.Uid != 0 || info.Mode().Perm()&0o022 != 0 || !info.IsDir() {
				return fmt.Errorf("run directory %s: %s must be a root-owned directory not writable by group or others (sshd refuses chroots below it)", dir, p)
			}
		}
		if p == "/" {
			break
		}
		p = filepath.Dir(p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := os.Chmod(missing[i], 0o755); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// defaultFixtures finds testdata/fleet in the module that contains the
// working directory.
func defaultFixtures() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "testdata", "fleet")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("fixtures: %w", err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("fixtures: no go.mod above the working directory; set Options.Fixtures")
		}
		dir = parent
	}
}

// fleetSSHDs lists sshd processes started with a config under BaseDir.
func fleetSSHDs() []int {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, p := range procs {
		cmdline, err := os.ReadFile(p + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) < 3 || filepath.Base(args[0]) != "sshd" {
			continue
		}
		for i := 1; i+1 < len(args); i++ {
			if args[i] == "-f" && strings.HasPrefix(args[i+1], BaseDir+"/") {
				if pid, err := strconv.Atoi(filepath.Base(p)); err == nil && pid != os.Getpid() {
					pids = append(pids, pid)
				}
				break
			}
		}
	}
	return pids
}
