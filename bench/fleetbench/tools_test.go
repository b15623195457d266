package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testfleet"
	"github.com/kaudit/kaudit/probes/collector"
)

func TestShQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "it's", `a'b'c`, "two\nlines", `$HOME "q" \ back`, "{# jinja #} ${#x}"} {
		out, err := exec.Command("sh", "-c", "printf %s "+shQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s {
			t.Errorf("sh got %q, want %q", out, s)
		}
	}
}

// TestCommandString checks that the command string hands sh exactly the
// embedded script and the nonce as $1 (by replacing sh with a printer).
func TestCommandString(t *testing.T) {
	cmd := commandString(collector.Script(), "n0nce")
	rest, ok := strings.CutPrefix(cmd, "sh -c ")
	if !ok {
		t.Fatalf("command %.40q...", cmd)
	}
	out, err := exec.Command("sh", "-c", `p() { printf '%s\n--\n%s\n--\n%s' "$1" "$2" "$3"; }; p `+rest).Output()
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(out), "\n--\n")
	if len(parts) != 3 || parts[0] != string(collector.Script()) || parts[1] != "kaudit" || parts[2] != "n0nce" {
		t.Errorf("sh -c gets %d parts; script equal: %v; $0 %q; $1 %q", len(parts), parts[0] == string(collector.Script()), parts[1], parts[len(parts)-1])
	}
}

func TestAnsibleVars(t *testing.T) {
	cmd := commandString(collector.Script(), "abc") + "\t<&>\u00e9"
	b, err := ansibleVars(cmd)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(string(b), "collector_cmd: !unsafe ")
	if !ok || strings.Count(strings.TrimSpace(rest), "\n") != 0 {
		t.Fatalf("not one !unsafe scalar line: %.60q", b)
	}
	var back string
	if err := json.Unmarshal([]byte(rest), &back); err != nil || back != cmd {
		t.Errorf("scalar does not decode back to the command (%v)", err)
	}
	if strings.Contains(rest, `\u003c`) {
		t.Error("HTML escaping on: YAML would keep \\u003c literally")
	}
}

func TestAnsibleINI(t *testing.T) {
	f := &testfleet.Fleet{User: "kaudit", ClientKey: "/run/x/key", KnownHosts: "/run/x/known_hosts"}
	ini := ansibleINI(f, []testfleet.Host{{Name: "a-c0001", Address: "127.1.0.3", Port: 22}})
	for _, want := range []string{
		"[fleet]\na-c0001 ansible_host=127.1.0.3 ansible_port=22\n",
		"ansible_user=kaudit\n", "ansible_ssh_private_key_file=/run/x/key\n",
		"-F /dev/null", "UserKnownHostsFile=/run/x/known_hosts", "StrictHostKeyChecking=yes",
	} {
		if !strings.Contains(ini, want) {
			t.Errorf("ini lacks %q:\n%s", want, ini)
		}
	}
}

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPdshMarkers(t *testing.T) {
	const n = "N1"
	out := strings.Join([]string{
		"127.1.0.2: @@KAUDIT:N1:BEGIN collector kaudit-collect",
		"127.1.0.3: @@KAUDIT:N1:BEGIN collector kaudit-collect",
		"127.1.0.2: version=1",
		"127.1.0.2: @@KAUDIT:N1:END collector rc=0 trunc=0",
		"127.1.0.2: @@KAUDIT:N1:BEGIN hostname /proc/sys/kernel/hostname",
		"127.1.0.2: @@KAUDIT:OTHER:END hostname rc=0 trunc=0", // another nonce: body text
		"127.1.0.2: @@KAUDIT:N1:END hostname rc=0 trunc=0",
		"127.1.0.3: @@KAUDIT:N1:END collector rc=0 trunc=0",
		"127.1.0.4: @@KAUDIT:N1:BEGIN collector kaudit-collect", // cut short
		"pdsh@x: 127.1.0.5: ssh exited with exit code 255",
	}, "\n") + "\n"
	m, err := pdshMarkers(writeTemp(t, "pdsh.out", out), n)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"127.1.0.2": true, "127.1.0.3": false, "127.1.0.4": false} {
		c := m[addr]
		if c == nil {
			t.Fatalf("no entry for %s", addr)
		}
		if got := c.complete(2); got != want {
			t.Errorf("%s complete(2) = %v (%+v), want %v", addr, got, *c, want)
		}
	}
	if m["127.1.0.3"].complete(1) != true {
		t.Error("127.1.0.3 printed one whole section")
	}
}

func TestAnsibleMarkers(t *testing.T) {
	out := strings.Join([]string{
		"h1 | CHANGED | rc=0 >>",
		"@@KAUDIT:N1:BEGIN collector kaudit-collect",
		"@@KAUDIT:N1:END collector rc=0 trunc=0\r",
		"h2 | FAILED | rc=141 >>",
		"@@KAUDIT:N1:BEGIN collector kaudit-collect",
		"@@KAUDIT:N1:END collector rc=0 trunc=0",
		"non-zero return code",
		"h3 | UNREACHABLE! => {",
		`    "changed": false,`,
		"}",
		"h4 | CHANGED | rc=0 >>",
		"@@KAUDIT:N1:BEGIN collector kaudit-collect",
	}, "\n") + "\n"
	m, err := ansibleMarkers(writeTemp(t, "ansible.out", out), "N1")
	if err != nil {
		t.Fatal(err)
	}
	if c := m["h1"]; c == nil || !c.complete(1) {
		t.Errorf("h1: %+v", c)
	}
	if m["h2"] != nil || m["h3"] != nil {
		t.Error("failed or unreachable hosts must not count")
	}
	if c := m["h4"]; c == nil || c.complete(1) {
		t.Errorf("h4 (cut short): %+v", c)
	}
}

func TestKauditOK(t *testing.T) {
	doc := `{"hosts": [
	 {"name": "a", "status": "noncompliant", "facts": {"collector": {"bytes": 10, "truncated": false, "exit": 0}}},
	 {"name": "b", "status": "compliant", "facts": {"collector": {"bytes": 10, "truncated": true, "exit": 0}}},
	 {"name": "c", "status": "unreachable"},
	 {"name": "d", "status": "incomplete", "facts": {"collector": {"exit": 0}}},
	 {"name": "e", "status": "compliant", "facts": {"collector": {"exit": 2}}}]}`
	ok, err := kauditOK(writeTemp(t, "r.json", doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != 1 || !ok["a"] {
		t.Errorf("ok = %v, want only a", ok)
	}
	if _, err := kauditOK(writeTemp(t, "bad.json", "{")); err == nil {
		t.Error("broken report accepted")
	}
}

func TestCleanEnv(t *testing.T) {
	got := cleanEnv([]string{"PATH=/bin", "PDSH_SSH_ARGS=-x", "ANSIBLE_FORKS=5", "HOME=/root"})
	if strings.Join(got, " ") != "PATH=/bin HOME=/root" {
		t.Errorf("cleanEnv = %v", got)
	}
}

func TestInvoke(t *testing.T) {
	f := &testfleet.Fleet{NetNS: "kaudit-x", User: "kaudit", ClientKey: "/k", KnownHosts: "/kh", Inventory: "/inv.hcl"}
	s := &setup{Fleet: f, Kaudit: "/bin/kaudit", SSHFloor: "/bin/sshfloor", Script: "/w/collect.sh", ScriptText: collector.Script(), Fanout: 64, Nonce: "n", Work: "/w", AnsibleVars: "/w/v.yml", AnsibleCfg: "/w/a.cfg"}
	tg := &target{Inventory: "/inv.hcl", HostsFile: "/w/hosts"}
	k := s.invoke(toolKaudit, tg, "1")
	if strings.Join(k.Argv, " ") != "ip netns exec kaudit-x /bin/kaudit run -i /inv.hcl --report json=/w/kaudit-1.json -j 64" {
		t.Errorf("kaudit: %q", k.Argv)
	}
	pd, pc := s.invoke(toolPdshDefault, tg, "1"), s.invoke(toolPdshCurve, tg, "1")
	if strings.Contains(pd.Env[0], "KexAlgorithms") || !strings.HasSuffix(pc.Env[0], "-o KexAlgorithms=curve25519-sha256") {
		t.Errorf("pdsh env: %q / %q", pd.Env, pc.Env)
	}
	if got := pc.Argv[len(pc.Argv)-1]; got != commandString(collector.Script(), "n") || !contains(pc.Argv, "^/w/hosts") || !contains(pc.Argv, "64") {
		t.Errorf("pdsh argv: %q", pc.Argv[:len(pc.Argv)-1])
	}
	a := s.invoke(toolAnsible, tg, "2")
	if !contains(a.Env, "ANSIBLE_SSH_CONTROL_PATH_DIR=/w/cp-2") || !contains(a.Env, "ANSIBLE_HOST_KEY_CHECKING=True") ||
		!contains(a.Argv, "@/w/v.yml") || !contains(a.Argv, "raw") {
		t.Errorf("ansible: %q %q", a.Env, a.Argv)
	}
	floor := "ip netns exec kaudit-x /bin/sshfloor -hosts /w/hosts -user kaudit -key /k -known-hosts /kh -fanout 64 -connect-timeout 10s -timeout 120s -cmd "
	if got := strings.Join(s.invoke(toolFloorTrue, tg, "1").Argv, " "); got != floor+"true" {
		t.Errorf("floor-true: %q", got)
	}
	if got := strings.Join(s.invoke(toolFloorCollector, tg, "1").Argv, " "); got != floor+"exec sh -s -- 'n' 110 -stdin /w/collect.sh" {
		t.Errorf("floor-collector: %q", got)
	}
}

func TestCompleteHosts(t *testing.T) {
	hosts := []testfleet.Host{{Name: "a", Address: "127.1.0.2"}, {Name: "b", Address: "127.1.0.3"}}
	tg := &target{Hosts: hosts}
	sec := "@@KAUDIT:N:BEGIN collector x\n@@KAUDIT:N:END collector rc=0 trunc=0\n"
	pdsh := writeTemp(t, "p.out", "127.1.0.2: "+strings.ReplaceAll(strings.TrimSuffix(sec, "\n"), "\n", "\n127.1.0.2: ")+"\n")
	ans := writeTemp(t, "a.out", "a | CHANGED | rc=0 >>\n"+sec+"b | CHANGED | rc=0 >>\n"+sec)
	floor := writeTemp(t, "f.out", "127.1.0.2: @@sshfloor exit=0\n127.1.0.3: x\n127.1.0.3: @@sshfloor exit=-1\n")
	for _, tc := range []struct {
		tool string
		out  string
		want int
	}{
		{toolPdshCurve, pdsh, 1},
		{toolPdshDefault, pdsh, 1},
		{toolAnsible, ans, 2},
		{toolAnsible, pdsh, 0}, // addresses are not names
		{toolFloorCollector, pdsh, 1},
		{toolFloorTrue, floor, 1},
		{toolFloorTrue, pdsh, 0},
	} {
		got, err := completeHosts(tc.tool, invocation{Stdout: tc.out}, tg, "N", 1)
		if err != nil || got != tc.want {
			t.Errorf("%s on %s: %d, %v; want %d", tc.tool, filepath.Base(tc.out), got, err, tc.want)
		}
	}
	if _, err := completeHosts(toolKaudit, invocation{Report: filepath.Join(t.TempDir(), "missing.json")}, tg, "N", 1); err == nil {
		t.Error("missing kaudit report accepted")
	}
}

func TestBenchInventory(t *testing.T) {
	fleet := "defaults {\n  user            = \"kaudit\"\n  host_key_policy = \"strict\"\n  connect_timeout = \"3s\"\n  timeout         = \"20s\"\n  ssh_config      = \"none\"\n}\n\nhost \"a\" {\n  address = \"127.1.0.2\"\n}\n"
	got, err := benchInventory([]byte(fleet))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(fleet, `connect_timeout = "3s"`, `connect_timeout = "10s"`, 1),
		`timeout         = "20s"`, `timeout         = "120s"`, 1)
	if string(got) != want {
		t.Errorf("benchInventory:\n%s\nwant:\n%s", got, want)
	}
	for name, bad := range map[string]string{
		"no connect_timeout": strings.Replace(fleet, "connect_timeout", "# connect", 1),
		"no timeout":         strings.Replace(fleet, "  timeout ", "  # timeout ", 1),
		"two timeouts":       fleet + "defaults {\n  timeout = \"5s\"\n}\n",
	} {
		if _, err := benchInventory([]byte(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
