package inventory

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestAllSettings(t *testing.T) {
	inv, _, diags := LoadBytes(map[string][]byte{"conf/inv.hcl": []byte(`
defaults {
  identity_file           = "~/.ssh/id_ed25519"
  identity_passphrase_env = "KAUDIT_KEY_PASSPHRASE"
  known_hosts             = "~/.ssh/kh"
  connect_timeout         = "5s"
  agent                   = false
  ssh_config              = "~/.ssh/kaudit_config"
}
group "g" {
  identity_files = ["/k/one", "~/two"]
  known_hosts    = ["/a", "/b"]
  ssh_config     = "none"
  hosts          = ["x", "x2"]
}
host "y" {
  user     = lower("AUDIT")
  password = trimspace(file("pw.txt"))
}
`)}, testOpts(nil, map[string]string{"conf/pw.txt": "s3cret\n"}))
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if len(diags) != 0 {
		t.Errorf("env()/file() passwords must not warn: %s", diagText(diags))
	}
	x, y := hostByName(t, inv, "x"), hostByName(t, inv, "y")
	if got, want := x.SSH.IdentityFiles, []string{"/k/one", "/home/tester/two"}; !slices.Equal(got, want) {
		t.Errorf("x identity files %v, want %v", got, want)
	}
	if got, want := y.SSH.IdentityFiles, []string{"/home/tester/.ssh/id_ed25519"}; !slices.Equal(got, want) {
		t.Errorf("y identity files %v, want %v", got, want)
	}
	if got, want := x.SSH.KnownHosts, []string{"/a", "/b"}; !slices.Equal(got, want) {
		t.Errorf("x known_hosts %v, want %v", got, want)
	}
	if got, want := y.SSH.KnownHosts, []string{"/home/tester/.ssh/kh"}; !slices.Equal(got, want) {
		t.Errorf("y known_hosts %v, want %v", got, want)
	}
	if x.SSH.SSHConfig != "none" || y.SSH.SSHConfig != "/home/tester/.ssh/kaudit_config" {
		t.Errorf("ssh_config x=%q y=%q", x.SSH.SSHConfig, y.SSH.SSHConfig)
	}
	if y.SSH.ConnectTimeout != 5*time.Second || y.SSH.UseAgent || y.SSH.IdentityPassphraseEnv != "KAUDIT_KEY_PASSPHRASE" {
		t.Errorf("y SSH = %+v", y.SSH)
	}
	if y.SSH.User != "audit" {
		t.Errorf("lower() user = %q", y.SSH.User)
	}
	if y.SSH.Password.Reveal() != "s3cret" {
		t.Errorf("file() password read as %q", y.SSH.Password.Reveal())
	}
	if x.SSH.Password.IsSet() {
		t.Error("x has no password")
	}
	// Hosts must not share slices: a consumer changing one host's list
	// must not change another's.
	x.SSH.KnownHosts[0] = "changed"
	if x2 := hostByName(t, inv, "x2"); x2.SSH.KnownHosts[0] != "/a" {
		t.Errorf("hosts share the known_hosts slice: x2 has %v", x2.SSH.KnownHosts)
	}
}

func TestGroupEntries(t *testing.T) {
	inv := mustLoad(t, `
group "g" {
  hosts = [
    "worker-[001:003].dc1",
    "r[1:2]-n[08:10]",
    "10.20.0.[5:5]",
    "db.example.com:2222",
    "2001:db8::1",
    "[2001:db8::2]:2022",
    "[fe80::1%eth0]",
  ]
}
`)
	type hp struct {
		name, addr string
		port       int
	}
	var got []hp
	for _, h := range inv.Hosts {
		got = append(got, hp{h.Name, h.Address, h.Port})
	}
	want := []hp{
		{"worker-001.dc1", "worker-001.dc1", 22},
		{"worker-002.dc1", "worker-002.dc1", 22},
		{"worker-003.dc1", "worker-003.dc1", 22},
		{"r1-n08", "r1-n08", 22}, {"r1-n09", "r1-n09", 22}, {"r1-n10", "r1-n10", 22},
		{"r2-n08", "r2-n08", 22}, {"r2-n09", "r2-n09", 22}, {"r2-n10", "r2-n10", 22},
		{"10.20.0.5", "10.20.0.5", 22},
		{"db.example.com:2222", "db.example.com", 2222},
		{"2001:db8::1", "2001:db8::1", 22},
		{"[2001:db8::2]:2022", "2001:db8::2", 2022},
		{"fe80::1%eth0", "fe80::1%eth0", 22},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
