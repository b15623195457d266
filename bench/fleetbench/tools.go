package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/probes/collector"
)

// Tool names, in table order.
const (
	toolKaudit      = "kaudit"
	toolPdshDefault = "pdsh-default"
	toolPdshCurve   = "pdsh-curve25519"
	toolAnsible     = "ansible-raw"
	// The SSH floor (bench/sshfloor): a minimal x/crypto/ssh client running
	// the same collector (script on stdin), and running only `true`.
	toolFloorCollector = "floor-collector"
	toolFloorTrue      = "floor-true"
)

var allTools = []string{toolKaudit, toolPdshDefault, toolPdshCurve, toolAnsible, toolFloorCollector, toolFloorTrue}

// toolTitle is how the table names a tool.
func toolTitle(name string, fanout int) string {
	switch name {
	case toolKaudit:
		return fmt.Sprintf("kaudit run -j %d", fanout)
	case toolPdshDefault:
		return fmt.Sprintf("pdsh -f %d, OpenSSH defaults", fanout)
	case toolPdshCurve:
		return fmt.Sprintf("pdsh -f %d, curve25519-sha256", fanout)
	case toolAnsible:
		return fmt.Sprintf("ansible -m raw -f %d", fanout)
	case toolFloorCollector:
		return fmt.Sprintf("sshfloor -fanout %d, collector", fanout)
	case toolFloorTrue:
		return fmt.Sprintf("sshfloor -fanout %d, true", fanout)
	}
	return name
}

// target is the host set one tool runs against.
type target struct {
	Hosts     []testfleet.Host
	HostsFile string // one address per line (pdsh -w ^FILE)
	Inventory string // kaudit: the fleet's HCL; ansible: an ini written for these hosts
}

// setup is everything a tool invocation needs besides the run number.
type setup struct {
	Fleet       *testfleet.Fleet
	Kaudit      string // path of the kaudit binary
	SSHFloor    string // path of the sshfloor binary (bench/sshfloor)
	Script      string // the collector script's file, for sshfloor -stdin
	ScriptText  []byte // the collector script (kaudit's embedded one unless -script)
	Fanout      int
	Nonce       string // the collector nonce pdsh and Ansible pass as $1
	Work        string // work directory (outputs, control sockets, ini)
	AnsibleVars string // YAML file defining collector_cmd (!unsafe)
	AnsibleCfg  string // empty ansible.cfg: Ansible's built-in defaults
}

// invocation is one benchmarked command.
type invocation struct {
	Argv   []string
	Env    []string // added to the environment
	Stdout string
	Stderr string
	Report string // kaudit's JSON report
}

// commandString is the collector as one remote command line: the script
// text itself run by the remote sh with the nonce as $1 — the same
// interpreter, script and argument kaudit's `sh -s -- NONCE` (script on
// stdin) runs. pdsh and Ansible's raw module cannot feed stdin.
func commandString(script []byte, nonce string) string {
	return "sh -c " + shQuote(string(script)) + " kaudit " + shQuote(nonce)
}

func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// opensshArgs are the options every OpenSSH client here gets: no config file
// (OpenSSH's compiled-in defaults), the fleet's key and known_hosts, strict
// host key checking, never a prompt.
func opensshArgs(f *testfleet.Fleet) []string {
	return []string{"-F", "/dev/null", "-i", f.ClientKey, "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + f.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"}
}

// netnsArgv runs argv inside the fleet's network namespace. ip(8) execs the
// command in place, so the measured process is the tool itself.
func netnsArgv(f *testfleet.Fleet, argv ...string) []string {
	return append([]string{"ip", "netns", "exec", f.NetNS}, argv...)
}

// invoke builds the command line of tool for run number run.
func (s *setup) invoke(tool string, t *target, run string) invocation {
	out := filepath.Join(s.Work, tool+"-"+run)
	inv := invocation{Stdout: out + ".out", Stderr: out + ".err"}
	switch tool {
	case toolKaudit:
		inv.Report = out + ".json"
		inv.Argv = netnsArgv(s.Fleet, s.Kaudit, "run", "-i", t.Inventory,
			"--report", "json="+inv.Report, "-j", strconv.Itoa(s.Fanout))
	case toolPdshDefault, toolPdshCurve:
		args := opensshArgs(s.Fleet)
		if tool == toolPdshCurve {
			args = append(args, "-o", "KexAlgorithms=curve25519-sha256")
		}
		// pdsh's ssh module runs `ssh $PDSH_SSH_ARGS $PDSH_SSH_ARGS_APPEND`;
		// the default PDSH_SSH_ARGS is "-2 -a -x -l%u %h".
		inv.Env = []string{"PDSH_SSH_ARGS_APPEND=" + strings.Join(args, " ")}
		inv.Argv = netnsArgv(s.Fleet, "pdsh", "-R", "ssh", "-f", strconv.Itoa(s.Fanout),
			"-l", s.Fleet.User, "-w", "^"+t.HostsFile, commandString(s.ScriptText, s.Nonce))
	case toolAnsible:
		inv.Env = []string{
			"ANSIBLE_CONFIG=" + s.AnsibleCfg,
			"ANSIBLE_HOST_KEY_CHECKING=True",
			// The fixture chroots have no /dev/pts: a pty request fails.
			"ANSIBLE_SSH_USETTY=False",
			// A fresh ControlPersist directory per run: no reuse of the
			// previous run's master connections.
			"ANSIBLE_SSH_CONTROL_PATH_DIR=" + filepath.Join(s.Work, "cp-"+run),
			"ANSIBLE_LOCAL_TEMP=" + filepath.Join(s.Work, "ansible-tmp"),
			"ANSIBLE_NOCOLOR=1",
		}
		inv.Argv = netnsArgv(s.Fleet, "ansible", "all", "-i", t.Inventory, "-m", "raw",
			"-a", "{{ collector_cmd }}", "-e", "@"+s.AnsibleVars, "-f", strconv.Itoa(s.Fanout))
	case toolFloorCollector, toolFloorTrue:
		argv := []string{s.SSHFloor, "-hosts", t.HostsFile, "-user", s.Fleet.User, "-key", s.Fleet.ClientKey,
			"-known-hosts", s.Fleet.KnownHosts, "-fanout", strconv.Itoa(s.Fanout),
			"-connect-timeout", benchConnectTimeout, "-timeout", benchHostTimeout, "-cmd", "true"}
		if tool == toolFloorCollector {
			// kaudit's command and script on stdin; no "watch": this
			// client's stdin ends after the script, as OpenSSH's does
			argv[len(argv)-1] = "exec sh -s -- '" + s.Nonce + "' 110"
			argv = append(argv, "-stdin", s.Script)
		}
		inv.Argv = netnsArgv(s.Fleet, argv...)
	}
	return inv
}

// writeHostsFile writes one address per line.
func writeHostsFile(path string, hosts []testfleet.Host) error {
	var b strings.Builder
	for _, h := range hosts {
		b.WriteString(h.Address + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// ansibleINI is an Ansible inventory of hosts: their names, addresses and
// port, the login user, the fleet's key, and OpenSSH options pointing host
// key checking at the fleet's known_hosts (no ~/.ssh/config either).
func ansibleINI(f *testfleet.Fleet, hosts []testfleet.Host) string {
	var b strings.Builder
	b.WriteString("[fleet]\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "%s ansible_host=%s ansible_port=%d\n", h.Name, h.Address, h.Port)
	}
	fmt.Fprintf(&b, "\n[fleet:vars]\nansible_user=%s\nansible_ssh_private_key_file=%s\n", f.User, f.ClientKey)
	fmt.Fprintf(&b, "ansible_ssh_common_args='-F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes'\n", f.KnownHosts)
	return b.String()
}

// ansibleVars defines collector_cmd as an !unsafe string: Ansible passes it
// to the raw module untouched (the script contains "{#", which Ansible's
// argument splitting and templating would otherwise take for Jinja2).
func ansibleVars(cmd string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(cmd); err != nil { // a JSON string is a YAML double-quoted scalar
		return nil, err
	}
	return append([]byte("collector_cmd: !unsafe "), buf.Bytes()...), nil
}

// markers counts the collector's BEGIN and END markers for nonce in one
// host's output.
type markers struct{ Begin, End int }

func (m *markers) add(line, nonce string) {
	p := collector.MarkerPrefix + nonce + ":"
	i := strings.Index(line, p)
	if i < 0 {
		return
	}
	switch rest := line[i+len(p):]; {
	case strings.HasPrefix(rest, "BEGIN "):
		m.Begin++
	case strings.HasPrefix(rest, "END "):
		m.End++
	}
}

// complete reports whether the host printed the whole script's output: every
// section closed, and as many sections as the reference run.
func (m markers) complete(want int) bool { return m.Begin == m.End && m.End == want }

// pdshMarkers counts markers per address in pdsh output ("ADDR: line").
func pdshMarkers(path, nonce string) (map[string]*markers, error) {
	out := map[string]*markers{}
	err := eachLine(path, func(line string) {
		addr, rest, ok := strings.Cut(line, ": ")
		if !ok {
			return
		}
		m := out[addr]
		if m == nil {
			m = &markers{}
			out[addr] = m
		}
		m.add(rest, nonce)
	})
	return out, err
}

// ansibleHeader starts one host's block in the ad-hoc (minimal) output:
// "NAME | CHANGED | rc=0 >>", "NAME | FAILED | rc=1 >>", "NAME | UNREACHABLE! => {".
var ansibleHeader = regexp.MustCompile(`^(\S+) \| ([A-Z]+!?) (?:\| rc=(-?\d+) >>|=> \{)`)

// ansibleMarkers counts markers per host name in ansible's output; only
// hosts reported with rc=0 get an entry.
func ansibleMarkers(path, nonce string) (map[string]*markers, error) {
	out := map[string]*markers{}
	var cur *markers
	err := eachLine(path, func(line string) {
		if m := ansibleHeader.FindStringSubmatch(line); m != nil {
			cur = nil
			if m[3] == "0" {
				cur = &markers{}
				out[m[1]] = cur
			}
			return
		}
		if cur != nil {
			cur.add(strings.TrimSuffix(line, "\r"), nonce)
		}
	})
	return out, err
}

func eachLine(path string, fn func(string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		fn(sc.Text())
	}
	return sc.Err()
}

// kauditReport is the part of kaudit's JSON report the benchmark checks.
type kauditReport struct {
	Hosts []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Facts  *struct {
			Collector struct {
				Bytes     int64 `json:"bytes"`
				Truncated bool  `json:"truncated"`
				Exit      int   `json:"exit"`
			} `json:"collector"`
		} `json:"facts"`
	} `json:"hosts"`
}

// kauditOK lists the hosts whose collector ran to completion (exit 0, not
// truncated) and were evaluated.
func kauditOK(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r kauditReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("kaudit report %s: %w", path, err)
	}
	ok := map[string]bool{}
	for _, h := range r.Hosts {
		if h.Facts != nil && h.Facts.Collector.Exit == 0 && !h.Facts.Collector.Truncated &&
			(h.Status == "compliant" || h.Status == "noncompliant") {
			ok[h.Name] = true
		}
	}
	return ok, nil
}

// completeHosts counts the hosts of t whose output was complete.
func completeHosts(tool string, inv invocation, t *target, nonce string, sections int) (int, error) {
	if tool == toolKaudit {
		ok, err := kauditOK(inv.Report)
		n := 0
		for _, h := range t.Hosts {
			if ok[h.Name] {
				n++
			}
		}
		return n, err
	}
	if tool == toolFloorTrue {
		ok, err := floorExits(inv.Stdout)
		n := 0
		for _, h := range t.Hosts {
			if ok[h.Address] {
				n++
			}
		}
		return n, err
	}
	// pdsh and sshfloor prefix lines with the address, Ansible heads blocks
	// with the name.
	markersOf, key := pdshMarkers, func(h testfleet.Host) string { return h.Address }
	if tool == toolAnsible {
		markersOf, key = ansibleMarkers, func(h testfleet.Host) string { return h.Name }
	}
	m, err := markersOf(inv.Stdout, nonce)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range t.Hosts {
		if c := m[key(h)]; c != nil && c.complete(sections) {
			n++
		}
	}
	return n, nil
}

// The timeouts every tool gets. The test fleet's inventory bounds the connect
// at 3 s, which a 2-core machine running 64 handshakes, their sshds and the
// collectors at once exceeds for a few hosts; pdsh's connect timeout (-t) and
// Ansible's (timeout) default to 10 s, and neither bounds the command.
const (
	benchConnectTimeout = "10s"
	benchHostTimeout    = "120s"
)

var (
	connectTimeoutAttr = regexp.MustCompile(`(?m)^(\s*connect_timeout\s*=\s*)"[^"]*"`)
	hostTimeoutAttr    = regexp.MustCompile(`(?m)^(\s*timeout\s*=\s*)"[^"]*"`)
)

// benchInventory is the fleet's kaudit inventory with the benchmark's
// timeouts: connect_timeout as pdsh's and Ansible's default connect timeout,
// and a whole-host timeout no run reaches.
func benchInventory(src []byte) ([]byte, error) {
	for _, r := range []struct {
		re  *regexp.Regexp
		val string
	}{{connectTimeoutAttr, benchConnectTimeout}, {hostTimeoutAttr, benchHostTimeout}} {
		if n := len(r.re.FindAllIndex(src, -1)); n != 1 {
			return nil, fmt.Errorf("expected one %s attribute in the fleet inventory, found %d", r.re, n)
		}
		src = r.re.ReplaceAll(src, []byte(`${1}"`+r.val+`"`))
	}
	return src, nil
}

// floorExits lists the addresses sshfloor reported with exit status 0.
func floorExits(path string) (map[string]bool, error) {
	ok := map[string]bool{}
	err := eachLine(path, func(line string) {
		if addr, found := strings.CutSuffix(line, ": @@sshfloor exit=0"); found {
			ok[addr] = true
		}
	})
	return ok, err
}
