package testfleet

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// A real sshd (OpenSSH 9.2, LogLevel VERBOSE, -E file) log of the fleet: the
// readiness probe, a collector run, a refused key, a host key refusal.
const sshdLogSample = `Server listening on 0.0.0.0 port 22.
Connection from 127.0.0.1 port 33356 on 127.1.0.2 port 22 rdomain ""
kex_exchange_identification: Connection closed by remote host
Connection closed by 127.0.0.1 port 33356
Connection from 127.0.0.1 port 34598 on 127.1.0.3 port 22 rdomain ""
Accepted key ED25519 SHA256:k95pNWW8eAOvLz6G/7J7C2z+JnQY07zn2K4zzukOKIo found at /var/lib/kaudit-testfleet/x/ssh/authorized_keys:1
Postponed publickey for kaudit from 127.0.0.1 port 34598 ssh2 [preauth]
Accepted publickey for kaudit from 127.0.0.1 port 34598 ssh2: ED25519 SHA256:k95pNWW8eAOvLz6G/7J7C2z+JnQY07zn2K4zzukOKIo
User child is on pid 31336
Changed root directory to "/var/lib/kaudit-testfleet/x/hosts/fault-hostile"
Starting session: command for kaudit from 127.0.0.1 port 34598 id 0
Received disconnect from 127.0.0.1 port 34598:11: disconnected by user
Connection from 127.0.0.1 port 40452 on 127.1.0.7 port 22 rdomain ""
Connection closed by 127.0.0.1 port 40452 [preauth]
Connection from 127.0.0.1 port 52144 on 127.1.0.4 port 22 rdomain ""
Failed publickey for kaudit from 127.0.0.1 port 52144 ssh2: ED25519 SHA256:k95pNWW8eAOvLz6G/7J7C2z+JnQY07zn2K4zzukOKIo
Connection closed by authenticating user kaudit 127.0.0.1 port 52144 [preauth]
Connection from 127.0.0.1 port 57446 on 127.1.0.3 port 22 rdomain ""
Accepted publickey for kaudit from 127.0.0.1 port 57446 ssh2: ED25519 SHA256:k95pNWW8eAOvLz6G/7J7C2z+JnQY07zn2K4zzukOKIo
Starting session: command for kaudit from 127.0.0.1 port 57446 id 0
`

func TestParseSSHDLog(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want map[string]ConnStats
	}{
		{"sample", sshdLogSample, map[string]ConnStats{
			"127.1.0.2": {Connections: 1},
			"127.1.0.3": {Connections: 2, Accepted: 2, Sessions: 2},
			"127.1.0.7": {Connections: 1},
			"127.1.0.4": {Connections: 1},
		}},
		{"empty", "", map[string]ConnStats{}},
		{"session of an unknown peer is not counted", "Starting session: command for kaudit from 10.0.0.1 port 1 id 0\n", map[string]ConnStats{}},
		{"no trailing newline", `Connection from 127.0.0.1 port 1 on 127.1.0.9 port 22 rdomain ""`, map[string]ConnStats{"127.1.0.9": {Connections: 1}}},
		{"over-long line skipped", strings.Repeat("x", 100<<10) + "\nConnection from 127.0.0.1 port 1 on 127.1.0.9 port 22\n", map[string]ConnStats{"127.1.0.9": {Connections: 1}}},
		{"tty session", "Connection from ::1 port 5 on 127.1.0.9 port 22\nStarting session: shell on pts/0 for kaudit from ::1 port 5 id 0\n", map[string]ConnStats{"127.1.0.9": {Connections: 1, Sessions: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSSHDLog(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: got %+v, want %+v", k, got[k], v)
				}
			}
		})
	}
}

func FuzzParseSSHDLog(f *testing.F) {
	f.Add(sshdLogSample)
	f.Add("Connection from a port 1 on b port 22\nStarting session: command for u from a port 1 id 0\n")
	f.Add("\x00\xff\n\n")
	f.Fuzz(func(t *testing.T, log string) {
		got, err := ParseSSHDLog(strings.NewReader(log))
		if err != nil {
			t.Fatal(err)
		}
		conns := strings.Count(log, "Connection from ")
		for addr, s := range got {
			if s.Connections < 0 || s.Accepted < 0 || s.Sessions < 0 || s.Connections > conns {
				t.Fatalf("%s: impossible counts %+v for %d connection lines", addr, s, conns)
			}
		}
	})
}

func TestHostAddress(t *testing.T) {
	tests := []struct {
		i    int
		want string
	}{{0, "127.1.0.2"}, {1, "127.1.0.3"}, {252, "127.1.0.254"}, {253, "127.1.1.2"}, {299, "127.1.1.48"}}
	for _, tt := range tests {
		got, err := hostAddress(tt.i)
		if err != nil || got != tt.want {
			t.Errorf("hostAddress(%d) = %q, %v; want %q", tt.i, got, err, tt.want)
		}
	}
	if _, err := hostAddress(253 * 256); err == nil {
		t.Error("hostAddress beyond 127.1.255.254: want an error")
	}
}

func TestKnownHostsLine(t *testing.T) {
	if got := knownHostsLine("127.1.0.2", 22, "ssh-ed25519 AAAA"); got != "127.1.0.2 ssh-ed25519 AAAA\n" {
		t.Errorf("port 22: %q", got)
	}
	if got := knownHostsLine("127.1.0.6", 2222, "ssh-ed25519 AAAA"); got != "[127.1.0.6]:2222 ssh-ed25519 AAAA\n" {
		t.Errorf("port 2222: %q", got)
	}
}

func testFleet() *Fleet {
	return &Fleet{
		RunID: "r1", NetNS: "kaudit-r1", Dir: "/var/lib/kaudit-testfleet/r1",
		ClientKey: "/var/lib/kaudit-testfleet/r1/ssh/client_ed25519", KnownHosts: "/var/lib/kaudit-testfleet/r1/ssh/known_hosts",
		Inventory: "/var/lib/kaudit-testfleet/r1/inventory.hcl",
		Hosts: []Host{
			{Name: "seed003-centos78", Fixture: "seed003-centos78", Address: "127.1.0.2", Port: 22, Root: "/var/lib/kaudit-testfleet/r1/hosts/seed003-centos78"},
			{Name: "fault-tarpit", Fixture: "fault-tarpit", Address: "127.1.0.3", Port: 2222, Fault: FaultTarpit},
			{Name: "fault-refuses-key", Fixture: "fault-refuses-key", Address: "127.1.0.4", Port: 22, Fault: FaultRefusesKey, Root: "/r/hosts/fault-refuses-key"},
			{Name: "fault-sudo-password", Fixture: "fault-sudo-password", Address: "127.1.0.5", Port: 22, Fault: FaultSudoPassword, Sudo: true, Root: "/r/hosts/fault-sudo-password"},
		},
	}
}

func TestSSHDConfig(t *testing.T) {
	cfg := sshdConfig(testFleet(), "/k/host", "/k/authorized_keys", "kaudit")
	for _, want := range []string{
		"ListenAddress 0.0.0.0:22\n", "MaxStartups 4000:30:8000\n", "PermitRootLogin no\n",
		"PasswordAuthentication no\n", "UsePAM no\n", "LogLevel VERBOSE\n", "AllowUsers kaudit\n",
		"Match LocalAddress 127.1.0.2\n\tChrootDirectory /var/lib/kaudit-testfleet/r1/hosts/seed003-centos78\n",
		"Match LocalAddress 127.1.0.4\n\tChrootDirectory /r/hosts/fault-refuses-key\n\tSetEnv KAUDIT_PROC=/.kproc\n\tAuthorizedKeysFile none\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("sshd_config lacks %q", want)
		}
	}
	if strings.Contains(cfg, "127.1.0.3") {
		t.Error("sshd_config has a Match block for the tarpit")
	}
	if strings.Count(cfg, "AuthorizedKeysFile none") != 1 {
		t.Error("only the refuses-key host may refuse keys")
	}
}

// TestInventoryHCL decodes the generated inventory with the documented
// shape: defaults, group "fleet" listing every host, a host block per host.
func TestInventoryHCL(t *testing.T) {
	f := testFleet()
	src := inventoryHCL(f, "kaudit")
	file, diags := hclparse.NewParser().ParseHCL([]byte(src), "inventory.hcl")
	if diags.HasErrors() {
		t.Fatalf("%s\n%s", diags, src)
	}
	var inv struct {
		Defaults struct {
			User           string `hcl:"user"`
			IdentityFile   string `hcl:"identity_file"`
			KnownHosts     string `hcl:"known_hosts"`
			HostKeyPolicy  string `hcl:"host_key_policy"`
			ConnectTimeout string `hcl:"connect_timeout"`
			Timeout        string `hcl:"timeout"`
			SSHConfig      string `hcl:"ssh_config"`
		} `hcl:"defaults,block"`
		Groups []struct {
			Name   string            `hcl:"name,label"`
			Labels map[string]string `hcl:"labels"`
			Hosts  []string          `hcl:"hosts"`
		} `hcl:"group,block"`
		Hosts []struct {
			Name    string            `hcl:"name,label"`
			Address string            `hcl:"address"`
			Port    *int              `hcl:"port,optional"`
			Sudo    *bool             `hcl:"sudo,optional"`
			Labels  map[string]string `hcl:"labels"`
		} `hcl:"host,block"`
	}
	if diags := gohcl.DecodeBody(file.Body, nil, &inv); diags.HasErrors() {
		t.Fatalf("%s\n%s", diags, src)
	}
	d := inv.Defaults
	if d.User != "kaudit" || d.IdentityFile != f.ClientKey || d.KnownHosts != f.KnownHosts || d.HostKeyPolicy != "strict" ||
		d.ConnectTimeout != "3s" || d.Timeout != "20s" || d.SSHConfig != "none" {
		t.Errorf("defaults = %+v", d)
	}
	if len(inv.Groups) != 1 || inv.Groups[0].Name != "fleet" || len(inv.Groups[0].Hosts) != len(f.Hosts) {
		t.Fatalf("groups = %+v", inv.Groups)
	}
	if len(inv.Hosts) != len(f.Hosts) {
		t.Fatalf("%d host blocks, want %d", len(inv.Hosts), len(f.Hosts))
	}
	for i, h := range inv.Hosts {
		want := f.Hosts[i]
		if h.Name != want.Name || h.Address != want.Address || h.Labels["fixture"] != want.Fixture || inv.Groups[0].Hosts[i] != want.Name {
			t.Errorf("host %d = %+v, want %+v", i, h, want)
		}
		if (h.Port != nil) != (want.Port != 22) || (h.Port != nil && *h.Port != want.Port) {
			t.Errorf("host %s: port %v, want %d", h.Name, h.Port, want.Port)
		}
		if (h.Sudo != nil && *h.Sudo) != want.Sudo {
			t.Errorf("host %s: sudo %v, want %v", h.Name, h.Sudo, want.Sudo)
		}
		if h.Labels["fault"] != want.Fault {
			t.Errorf("host %s: fault label %q, want %q", h.Name, h.Labels["fault"], want.Fault)
		}
	}
}

func TestHCLString(t *testing.T) {
	tests := map[string]string{
		`plain`:       `"plain"`,
		`a"b\c`:       `"a\"b\\c"`,
		"${x}%{y}":    `"$${x}%%{y}"`,
		"nl\nesc\x1b": `"nl\nesc\u001b"`,
	}
	for in, want := range tests {
		if got := hclString(in); got != want {
			t.Errorf("hclString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPlanHosts(t *testing.T) {
	all := loadTestFixtures(t)
	hosts, err := planHosts(all, Options{Dir: "/d", Hosts: []string{"fault-tarpit", "seed003-centos78"}, Clones: map[string]int{"seed003-centos78": 2}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hosts {
		got = append(got, h.Name+"@"+h.Address+":"+strconv.Itoa(h.Port)+":"+h.Root)
	}
	want := []string{
		"fault-tarpit@127.1.0.2:2222:",
		"seed003-centos78@127.1.0.3:22:/d/hosts/seed003-centos78",
		"seed003-centos78-c0001@127.1.0.4:22:/d/hosts/seed003-centos78-c0001",
		"seed003-centos78-c0002@127.1.0.5:22:/d/hosts/seed003-centos78-c0002",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("hosts:\n got %q\nwant %q", got, want)
	}
	for _, bad := range []Options{
		{Hosts: []string{"nope"}},
		{Hosts: []string{"_centos7"}},
		{Hosts: []string{"vm-noruntime", "vm-noruntime"}},
		{Hosts: []string{"vm-noruntime"}, Clones: map[string]int{"seed000-centos75": 1}},
		{Hosts: []string{"fault-tarpit"}, Clones: map[string]int{"fault-tarpit": 1}},
	} {
		if _, err := planHosts(all, bad); err == nil {
			t.Errorf("planHosts(%+v): want an error", bad)
		}
	}
}
