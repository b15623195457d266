package transport

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kaudit/kaudit/inventory"
)

func TestParseJump(t *testing.T) {
	tests := []struct {
		in, user, host string
		port           int
		bad            bool
	}{
		{in: "jump", host: "jump"},
		{in: "ops@jump:2222", user: "ops", host: "jump", port: 2222},
		{in: "ssh://ops@jump:2200", user: "ops", host: "jump", port: 2200},
		{in: "[2001:db8::1]:22", host: "2001:db8::1", port: 22},
		{in: "a@b@host", user: "a@b", host: "host"},
		{in: "jump:0", bad: true},
		{in: "ops@", bad: true},
	}
	for _, tt := range tests {
		user, host, port, err := parseJump(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && (user != tt.user || host != tt.host || port != tt.port)) {
			t.Errorf("parseJump(%q) = %q %q %d %v", tt.in, user, host, port, err)
		}
	}
}

func TestResolverComplete(t *testing.T) {
	home := t.TempDir()
	cfgPath := filepath.Join(home, ".ssh", "config")
	os.MkdirAll(filepath.Dir(cfgPath), 0o700)
	os.WriteFile(cfgPath, []byte(`
Host db*
  HostName %h.internal
  Port 2222
  User dba
  IdentityFile ~/.ssh/db_key
  IdentityFile %d/.ssh/%r_%h
  UserKnownHostsFile ~/.ssh/kh1 ~/.ssh/kh2
  IdentitiesOnly yes
Host *
  User fallback
`), 0o600)
	r := &resolver{configs: &configCache{}, home: home, localUser: "me", bastions: map[string]*inventory.Bastion{
		"b1":   {Name: "b1", Address: "b1.example", Bastion: "b2"},
		"b2":   {Name: "b2", Address: "b2.example", Concurrency: 3},
		"loop": {Name: "loop", Address: "l", Bastion: "loop"},
	}}

	ep, err := r.host(&inventory.Host{Name: "db1", Address: "db1", Port: 22})
	if err != nil {
		t.Fatal(err)
	}
	want := &endpoint{host: "db1.internal", port: 2222, user: "dba",
		identityFiles: []string{home + "/.ssh/db_key", home + "/.ssh/dba_db1.internal"},
		knownHosts:    []string{home + "/.ssh/kh1", home + "/.ssh/kh2"}, globalKnownHosts: []string{"/etc/ssh/ssh_known_hosts"}}
	got := &endpoint{host: ep.host, port: ep.port, user: ep.user, identityFiles: ep.identityFiles, knownHosts: ep.knownHosts, globalKnownHosts: ep.globalKnownHosts}
	if !reflect.DeepEqual(got, want) || !ep.identitiesOnly || !ep.explicitIdentities {
		t.Fatalf("endpoint = %+v\nwant %+v", got, want)
	}

	// The inventory wins over ssh_config.
	ep, _ = r.host(&inventory.Host{Name: "db2", Address: "db2", Port: 2022, SSH: inventory.SSHSettings{
		User: "root", IdentityFiles: []string{"/k"}, KnownHosts: []string{"/kh"}}})
	if ep.port != 2022 || ep.user != "root" || !reflect.DeepEqual(ep.identityFiles, []string{"/k"}) ||
		!reflect.DeepEqual(ep.allKnownHosts(), []string{"/kh"}) {
		t.Fatalf("inventory settings not kept: %+v", ep)
	}

	// No match but Host *: defaults.
	ep, _ = r.host(&inventory.Host{Name: "web", Address: "web"})
	if ep.host != "web" || ep.port != 22 || ep.user != "fallback" || ep.explicitIdentities || len(ep.identityFiles) != 5 {
		t.Fatalf("defaults: %+v", ep)
	}

	// ssh_config = "none": local user.
	ep, _ = r.host(&inventory.Host{Name: "db3", Address: "db3", SSH: inventory.SSHSettings{SSHConfig: "none"}})
	if ep.host != "db3" || ep.user != "me" {
		t.Fatalf("none: %+v", ep)
	}

	// Bastion chain.
	ep, _ = r.host(&inventory.Host{Name: "x", Address: "x", Bastion: "b1"})
	if ep.via == nil || ep.via.name != "b1" || ep.via.concurrency != DefaultBastionConcurrency ||
		ep.via.via == nil || ep.via.via.name != "b2" || ep.via.via.concurrency != 3 || ep.via.via.via != nil {
		t.Fatalf("chain: %+v", ep.via)
	}
	if _, err := r.host(&inventory.Host{Name: "x", Address: "x", Bastion: "loop"}); ReasonOf(err) != ReasonConnect {
		t.Fatalf("bastion loop: %v", err)
	}
}
