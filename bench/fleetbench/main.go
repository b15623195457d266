// Command fleetbench is kaudit's fleet-scale benchmark (`make bench`).
//
// It starts N clones of one fixture host in the SSH test fleet
// (internal/testfleet), then runs, at the same fan-out and each repeated
// -runs times in rotating order, the same collector work with:
//
//   - kaudit run (collect + evaluate + JSON report);
//   - pdsh -R ssh running kaudit's collector script, with OpenSSH's default
//     settings and again with KexAlgorithms=curve25519-sha256;
//   - ansible -m raw running the same script.
//
// pdsh and Ansible cannot feed the script on stdin, so they pass it as one
// command string, `sh -c '<collect.sh>' kaudit NONCE`: the same remote shell,
// script text and argument as kaudit's `sh -s -- NONCE`. Every run is checked:
// each host must print every collector section (as many as a reference run
// over OpenSSH), or it does not count as ok.
//
// Each command runs under a measuring wrapper (this binary re-executed, see
// runMeasure) that is a child subreaper: the client CPU is getrusage of the
// whole client process tree, daemonised ControlPersist masters included; the
// RSS column is the largest single process (ru_maxrss), the tree column the
// peak of the sampled sum of Pss over the tree. SSH connections and exec
// requests per host come from sshd's VERBOSE log, read from the offset it had
// before the run. The table shows medians.
//
// Needs root (the test fleet), pdsh and ansible (apt-get install -y pdsh
// ansible). The fleet is always torn down, also on Ctrl-C; if the process is
// killed, `go run ./internal/testfleet/cmd/testfleet down --state STATE`.
//
//	go run ./bench/fleetbench [-n 500] [-runs 3] [-fanout 64] [-kaudit bin/kaudit]
//	    [-tools kaudit,pdsh-default,pdsh-curve25519,ansible-raw] [-ansible-hosts 500]
//	    [-hosts-per-sshd 16] [-fixture seed003-centos78] [-state out/bench-fleet.json] [-json FILE]
//
// Ansible takes ~0.2 s of client CPU per host here: above 500 hosts it runs
// on the first 500 only (-ansible-hosts) and its wall and CPU are
// extrapolated linearly to N, which the table and the targets state.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/probes/collector"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == measureArg {
		if err := runMeasure(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "fleetbench:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the command line.
type config struct {
	N            int
	Runs         int
	Fanout       int
	Fixture      string
	Kaudit       string
	SSHFloor     string
	Tools        []string
	AnsibleHosts int
	State        string
	JSON         string
	Work         string
	Sample       time.Duration
	RunTimeout   time.Duration
	HostsPerSSHD int
	Script       string // -script: a collector script file for every tool but kaudit ("" = the embedded one)
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("fleetbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.N, "n", 500, "fleet hosts (clones of -fixture)")
	fs.IntVar(&c.Runs, "runs", 3, "measured runs per tool (medians are reported)")
	fs.IntVar(&c.Fanout, "fanout", 64, "hosts in flight for every tool (kaudit -j, pdsh -f, ansible -f)")
	fs.StringVar(&c.Fixture, "fixture", "seed003-centos78", "fixture host to clone (testdata/fleet)")
	fs.StringVar(&c.Kaudit, "kaudit", "bin/kaudit", "kaudit binary")
	fs.StringVar(&c.SSHFloor, "sshfloor", "bin/sshfloor", "sshfloor binary (go build -o bin/sshfloor ./bench/sshfloor), for the floor-* tools")
	tools := fs.String("tools", strings.Join(allTools, ","), "tools to run")
	fs.IntVar(&c.AnsibleHosts, "ansible-hosts", 500, "run Ansible on the first M hosts only, extrapolated linearly to N and marked so (0: all N)")
	fs.StringVar(&c.State, "state", "out/bench-fleet.json", "fleet state file (for testfleet down --state if this process is killed)")
	fs.StringVar(&c.JSON, "json", "", "also write every run and the summary as JSON to this file")
	fs.StringVar(&c.Work, "work", "", "keep outputs in this directory (default: a temporary one, removed)")
	fs.DurationVar(&c.Sample, "sample", 200*time.Millisecond, "process tree memory sampling interval")
	fs.DurationVar(&c.RunTimeout, "run-timeout", 30*time.Minute, "give up on one run after this long")
	fs.IntVar(&c.HostsPerSSHD, "hosts-per-sshd", testfleet.MaxHostsPerSSHD, "fleet hosts per sshd process (0: one sshd for all, as make fleet-up; see testfleet.Options.HostsPerSSHD)")
	fs.StringVar(&c.Script, "script", "", "collector script for pdsh, Ansible, floor-collector and the reference run (default: kaudit's embedded one; kaudit always runs its own), to compare a collector change with the same fleet")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.N < 1 || c.Runs < 1 || c.Fanout < 1 || c.AnsibleHosts < 0 || c.HostsPerSSHD < 0 {
		return nil, errors.New("-n, -runs and -fanout must be ≥ 1, -ansible-hosts and -hosts-per-sshd ≥ 0")
	}
	for _, t := range strings.Split(*tools, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !contains(allTools, t) {
			return nil, fmt.Errorf("-tools: unknown tool %q (have %s)", t, strings.Join(allTools, ", "))
		}
		c.Tools = append(c.Tools, t)
	}
	if len(c.Tools) == 0 {
		return nil, errors.New("-tools: nothing to run")
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bench is one benchmark invocation.
type bench struct {
	cfg      *config
	setup    setup
	targets  map[string]*target // per tool
	sections int                // collector sections a complete host prints
	self     string             // this executable (the measuring wrapper)
	log      io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "fleetbench:", err)
		return 2
	}
	if err := benchmark(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "fleetbench:", err)
		return 1
	}
	return 0
}

// preflight checks what the selected tools need.
func preflight(cfg *config) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (the SSH test fleet runs chrooted sshd in a network namespace)")
	}
	need := map[string]string{"ip": "iproute2"}
	for _, t := range cfg.Tools {
		switch t {
		case toolPdshDefault, toolPdshCurve:
			need["pdsh"] = "pdsh"
			need["ssh"] = "openssh-client"
		case toolAnsible:
			need["ansible"] = "ansible"
			need["ssh"] = "openssh-client"
		}
	}
	var missing []string
	for bin, pkg := range need {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, pkg)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing programs: apt-get install -y %s (or leave those tools out with -tools)", strings.Join(missing, " "))
	}
	if contains(cfg.Tools, toolKaudit) {
		if _, err := os.Stat(cfg.Kaudit); err != nil {
			return fmt.Errorf("kaudit binary: %w (go build -o bin/kaudit ./cmd/kaudit)", err)
		}
	}
	if contains(cfg.Tools, toolFloorCollector) || contains(cfg.Tools, toolFloorTrue) {
		if _, err := os.Stat(cfg.SSHFloor); err != nil {
			return fmt.Errorf("sshfloor binary: %w (go build -o bin/sshfloor ./bench/sshfloor)", err)
		}
	}
	return nil
}

func benchmark(ctx context.Context, cfg *config, stdout, stderr io.Writer) (err error) {
	if err := preflight(cfg); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	kauditPath, err := filepath.Abs(cfg.Kaudit)
	if err != nil {
		return err
	}
	sshfloorPath, err := filepath.Abs(cfg.SSHFloor)
	if err != nil {
		return err
	}
	work := cfg.Work
	if work == "" {
		if work, err = os.MkdirTemp("", "kaudit-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}

	_, loadStart := loadAvg()
	started := time.Now()
	fmt.Fprintf(stderr, "fleetbench: starting %d clones of %s (load average %s)\n", cfg.N, cfg.Fixture, loadStart)
	clones := map[string]int{}
	if cfg.N > 1 {
		clones[cfg.Fixture] = cfg.N - 1
	}
	f, err := testfleet.Start(ctx, testfleet.Options{Hosts: []string{cfg.Fixture}, Clones: clones, Log: stderr, HostsPerSSHD: cfg.HostsPerSSHD})
	if err != nil {
		return fmt.Errorf("start the test fleet: %w", err)
	}
	defer func() {
		if serr := f.Stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("stop the test fleet (run: testfleet down --state %s): %w", cfg.State, serr))
			return
		}
		if cfg.State != "" {
			_ = os.Remove(cfg.State)
		}
		fmt.Fprintf(stderr, "fleetbench: fleet %s is down\n", f.RunID)
	}()
	if cfg.State != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.State), 0o755); err != nil {
			return err
		}
		if err := f.Save(cfg.State); err != nil {
			return err
		}
	}
	fleetUp := time.Since(started)
	fmt.Fprintf(stderr, "fleetbench: fleet %s up in %s\n", f.RunID, secs(fleetUp))

	b := &bench{cfg: cfg, self: self, log: stderr, targets: map[string]*target{}}
	script := collector.Script()
	if cfg.Script != "" {
		if script, err = os.ReadFile(cfg.Script); err != nil {
			return fmt.Errorf("-script: %w", err)
		}
	}
	if b.setup, err = newSetup(f, kauditPath, sshfloorPath, cfg.Fanout, work, script); err != nil {
		return err
	}
	if b.sections, err = referenceSections(ctx, f, b.setup.Nonce, script); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "fleetbench: reference run over OpenSSH: %d collector sections per host\n", b.sections)
	if err := b.prepareTargets(); err != nil {
		return err
	}

	// Warm-up, not measured: page cache, dentries, Python bytecode.
	for _, tool := range cfg.Tools {
		if tool == toolPdshDefault || ctx.Err() != nil {
			continue // pdsh-curve25519 warms the same files
		}
		t := b.targets[tool]
		if tool == toolAnsible {
			t = b.subsetTarget("warmup", 64)
		}
		r := b.measure(ctx, tool, t, 0, "warmup")
		fmt.Fprintf(stderr, "fleetbench: warm-up %-16s %s  ok %d/%d %s\n", tool, secs(r.Usage.Wall()), r.OK, r.Hosts, r.Failed)
	}

	var results []runResult
	for round := 1; round <= cfg.Runs && ctx.Err() == nil; round++ {
		order := rotate(cfg.Tools, round-1)
		for _, tool := range order {
			if ctx.Err() != nil {
				break
			}
			r := b.measure(ctx, tool, b.targets[tool], round, strconv.Itoa(round))
			results = append(results, r)
			fmt.Fprintf(stderr, "fleetbench: run %d/%d %-16s wall %6.2f s  cpu %6.2f s  rss %6.1f MiB  ok %d/%d  conn %d exec %d  load %.2f %s\n",
				round, cfg.Runs, tool, r.Usage.Wall().Seconds(), r.Usage.CPU().Seconds(), float64(r.Usage.MaxRSSKB)/1024,
				r.OK, r.Hosts, r.Conn.Conns, r.Conn.Execs, r.Load1, r.Failed)
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}

	var sums []summary
	for _, tool := range cfg.Tools {
		var rs []runResult
		for _, r := range results {
			if r.Tool == tool {
				rs = append(rs, r)
			}
		}
		sums = append(sums, summarise(tool, toolTitle(tool, cfg.Fanout), rs, cfg.N))
	}
	setRatios(sums)
	targets := evaluateTargets(sums, results, cfg.N)
	_, loadEnd := loadAvg()

	env := environment(ctx, kauditPath)
	fmt.Fprintf(stdout, "\nkaudit fleet benchmark: N=%d clones of %s, fan-out %d, %d runs per tool (medians), %s\n",
		cfg.N, cfg.Fixture, cfg.Fanout, cfg.Runs, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(stdout, "fleet: %d sshd process(es) (-hosts-per-sshd %d), collector: %d sections per host, same script for every tool\n",
		len(fleetSSHDConfigs(f)), cfg.HostsPerSSHD, b.sections)
	fmt.Fprintf(stdout, "machine: %s; load average at start %s, at end %s\n", env["machine"], loadStart, loadEnd)
	fmt.Fprintf(stdout, "versions: %s\n\n", env["versions"])
	printTable(stdout, sums)
	fmt.Fprintf(stdout, "\nwall: start to exit of the client; CPU: user+sys of the whole client process tree; node ms/host: user+sys of the fleet's sshds\n"+
		"and everything they reaped (sshd and the remote command: the nodes' side) per host; RSS: largest client process;\n"+
		"tree: peak sampled sum of Pss over the client tree; conn/exec: sshd log per host; load1: 1-min load average before the run.\n")
	fmt.Fprintf(stdout, "\ntargets (N=%d):\n", cfg.N)
	printTargets(stdout, targets)

	if cfg.JSON != "" {
		doc := map[string]any{
			"n": cfg.N, "fixture": cfg.Fixture, "fanout": cfg.Fanout, "runs": cfg.Runs, "hosts_per_sshd": cfg.HostsPerSSHD,
			"started_at": started.UTC().Format(time.RFC3339), "fleet_up_s": fleetUp.Seconds(),
			"load_start": loadStart, "load_end": loadEnd, "environment": env,
			"sections_per_host": b.sections, "results": results, "summary": sums, "targets": targets,
		}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(cfg.JSON), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(cfg.JSON, append(data, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "fleetbench: wrote %s\n", cfg.JSON)
	}
	return nil
}

// fleetSSHDConfigs lists the fleet's sshd configs (one per sshd process).
func fleetSSHDConfigs(f *testfleet.Fleet) []string {
	if len(f.SSHDConfigs) > 0 {
		return f.SSHDConfigs
	}
	return []string{f.SSHDConfig}
}

// rotate returns list rotated left by k: each round starts with another tool,
// so no tool always runs first (or right after the slowest one).
func rotate(list []string, k int) []string {
	if len(list) == 0 {
		return nil
	}
	k %= len(list)
	return append(append([]string(nil), list[k:]...), list[:k]...)
}

func newNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func newSetup(f *testfleet.Fleet, kaudit, sshfloor string, fanout int, work string, script []byte) (setup, error) {
	nonce, err := newNonce()
	if err != nil {
		return setup{}, err
	}
	s := setup{Fleet: f, Kaudit: kaudit, SSHFloor: sshfloor, Fanout: fanout, Nonce: nonce, Work: work,
		AnsibleVars: filepath.Join(work, "ansible-vars.yml"), AnsibleCfg: filepath.Join(work, "ansible.cfg"),
		Script: filepath.Join(work, "collect.sh"), ScriptText: script}
	if err := os.WriteFile(s.Script, script, 0o644); err != nil {
		return setup{}, err
	}
	vars, err := ansibleVars(commandString(script, nonce))
	if err != nil {
		return setup{}, err
	}
	if err := os.WriteFile(s.AnsibleVars, vars, 0o644); err != nil {
		return setup{}, err
	}
	if err := os.WriteFile(s.AnsibleCfg, []byte("# empty: Ansible's built-in defaults\n"), 0o644); err != nil {
		return setup{}, err
	}
	return s, nil
}

// referenceSections runs the collector once on the first host with OpenSSH
// (script on stdin, like kaudit) and counts its sections.
func referenceSections(ctx context.Context, f *testfleet.Fleet, nonce string, script []byte) (int, error) {
	// No "watch": this stdin ends after the script.
	cmd, err := f.SSH(ctx, f.Hosts[0].Name, "sh -s -- '"+nonce+"' 110")
	if err != nil {
		return 0, err
	}
	cmd.Stdin = bytes.NewReader(script)
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("reference collector run on %s: %w", f.Hosts[0].Name, err)
	}
	var m markers
	for _, line := range strings.Split(string(out), "\n") {
		m.add(line, nonce)
	}
	if m.End == 0 || m.Begin != m.End {
		return 0, fmt.Errorf("reference collector run on %s: %d BEGIN and %d END markers", f.Hosts[0].Name, m.Begin, m.End)
	}
	return m.End, nil
}

// prepareTargets writes the host lists and inventories.
func (b *bench) prepareTargets() error {
	all := &target{Hosts: b.setup.Fleet.Hosts, Inventory: filepath.Join(b.setup.Work, "kaudit.hcl"),
		HostsFile: filepath.Join(b.setup.Work, "hosts-all")}
	if err := writeHostsFile(all.HostsFile, all.Hosts); err != nil {
		return err
	}
	src, err := os.ReadFile(b.setup.Fleet.Inventory)
	if err != nil {
		return fmt.Errorf("read the fleet inventory: %w", err)
	}
	inv, err := benchInventory(src)
	if err != nil {
		return fmt.Errorf("%s: %w", b.setup.Fleet.Inventory, err)
	}
	if err := os.WriteFile(all.Inventory, inv, 0o644); err != nil {
		return err
	}
	for _, t := range b.cfg.Tools {
		b.targets[t] = all
	}
	if contains(b.cfg.Tools, toolAnsible) {
		n := len(all.Hosts)
		if b.cfg.AnsibleHosts > 0 {
			n = min(n, b.cfg.AnsibleHosts)
		}
		b.targets[toolAnsible] = b.subsetTarget("ansible", n)
	}
	return nil
}

// subsetTarget is the first n hosts, with an Ansible ini and a host list.
func (b *bench) subsetTarget(name string, n int) *target {
	hosts := b.setup.Fleet.Hosts[:min(n, len(b.setup.Fleet.Hosts))]
	t := &target{Hosts: hosts,
		Inventory: filepath.Join(b.setup.Work, name+".ini"),
		HostsFile: filepath.Join(b.setup.Work, "hosts-"+name)}
	_ = os.WriteFile(t.Inventory, []byte(ansibleINI(b.setup.Fleet, hosts)), 0o644)
	_ = writeHostsFile(t.HostsFile, hosts)
	return t
}

// measure runs tool once under the measuring wrapper and checks its output.
func (b *bench) measure(ctx context.Context, tool string, t *target, round int, label string) runResult {
	r := runResult{Tool: tool, Round: round, Hosts: len(t.Hosts)}
	inv := b.setup.invoke(tool, t, label)
	resultPath := filepath.Join(b.setup.Work, tool+"-"+label+".usage.json")
	logOff := fileSize(b.setup.Fleet.SSHDLog)
	r.Load1, _ = loadAvg()
	node0, nodeErr := nodeCPU(ctx, b.setup.Fleet.NetNS)

	rctx, cancel := context.WithTimeout(ctx, b.cfg.RunTimeout)
	defer cancel()
	argv := append([]string{measureArg, resultPath, inv.Stdout, inv.Stderr, b.cfg.Sample.String(), "--"}, inv.Argv...)
	cmd := exec.CommandContext(rctx, b.self, argv...)
	cmd.Env = append(cleanEnv(os.Environ()), inv.Env...)
	cmd.Stdout, cmd.Stderr = b.log, b.log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // the wrapper kills the tool's process group
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Run(); err != nil {
		r.Failed = fmt.Sprintf("measuring wrapper: %v", err)
		return r
	}
	data, err := os.ReadFile(resultPath)
	if err == nil {
		err = json.Unmarshal(data, &r.Usage)
	}
	if err != nil {
		r.Failed = fmt.Sprintf("usage: %v", err)
		return r
	}
	time.Sleep(300 * time.Millisecond) // let the last sshd log lines land
	if node1, err := nodeCPU(ctx, b.setup.Fleet.NetNS); err == nil && nodeErr == nil {
		r.NodeCPUNS = int64(node1 - node0)
	}
	log, err := readFrom(b.setup.Fleet.SSHDLog, logOff)
	if err != nil {
		r.Failed = err.Error()
		return r
	}
	stats, err := testfleet.ParseSSHDLog(bytes.NewReader(log))
	if err != nil {
		r.Failed = fmt.Sprintf("sshd log: %v", err)
		return r
	}
	r.Conn = countConns(stats, countSessions(log), t.Hosts)
	if r.OK, err = completeHosts(tool, inv, t, b.setup.Nonce, b.sections); err != nil {
		r.Failed = fmt.Sprintf("check output: %v", err)
		return r
	}
	if r.OK != r.Hosts {
		r.Failed = fmt.Sprintf("only %d of %d hosts complete (exit %d; see %s)", r.OK, r.Hosts, r.Usage.Exit, inv.Stderr)
	}
	return r
}

// cleanEnv drops PDSH_* and ANSIBLE_* variables so every tool runs with its
// defaults plus what the benchmark sets.
func cleanEnv(env []string) []string {
	var out []string
	for _, e := range env {
		if strings.HasPrefix(e, "PDSH_") || strings.HasPrefix(e, "ANSIBLE_") {
			continue
		}
		out = append(out, e)
	}
	return out
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// readFrom returns the sshd log from offset off on (what one run logged).
func readFrom(path string, off int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sshd log: %w", err)
	}
	defer fh.Close()
	if _, err := fh.Seek(off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("sshd log: %w", err)
	}
	b, err := io.ReadAll(fh)
	if err != nil {
		return nil, fmt.Errorf("sshd log: %w", err)
	}
	return b, nil
}

// environment describes the machine and the tool versions.
func environment(ctx context.Context, kaudit string) map[string]string {
	first := func(name string, args ...string) string {
		out, _ := exec.CommandContext(ctx, name, args...).CombinedOutput()
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return line
	}
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := first("uname", "-r")
	return map[string]string{
		"machine": fmt.Sprintf("%d CPUs (%s), Linux %s", runtime.NumCPU(), model, kernel),
		"versions": strings.Join([]string{
			first(kaudit, "version"), first("ssh", "-V"), first("pdsh", "-V"),
			first("ansible", "--version"), runtime.Version(),
		}, "; "),
	}
}
