package testfleet

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestSSHDShards(t *testing.T) {
	f := testFleet() // 3 hosts served by sshd, the tarpit is not
	names := func(g [][]Host) string {
		var parts []string
		for _, hs := range g {
			var n []string
			for _, h := range hs {
				n = append(n, h.Address)
			}
			parts = append(parts, strings.Join(n, ","))
		}
		return strings.Join(parts, " | ")
	}
	for _, tc := range []struct {
		per  int
		want string
	}{
		{0, "127.1.0.2,127.1.0.4,127.1.0.5"},
		{3, "127.1.0.2,127.1.0.4,127.1.0.5"},
		{2, "127.1.0.2,127.1.0.4 | 127.1.0.5"},
		{1, "127.1.0.2 | 127.1.0.4 | 127.1.0.5"},
	} {
		if got := names(sshdShards(f.Hosts, tc.per)); got != tc.want {
			t.Errorf("per %d: %s, want %s", tc.per, got, tc.want)
		}
	}
}

func TestShardSSHDConfig(t *testing.T) {
	f := testFleet()
	shard := sshdShards(f.Hosts, 2)[0]
	cfg := renderSSHDConfig(f, shard, true, "/k/host", "/k/authorized_keys", "kaudit")
	for _, want := range []string{
		"ListenAddress 127.1.0.2:22\nListenAddress 127.1.0.4:22\nHostKey /k/host\n",
		"Match LocalAddress 127.1.0.2\n\tChrootDirectory /var/lib/kaudit-testfleet/r1/hosts/seed003-centos78\n",
		"Match LocalAddress 127.1.0.4\n\tChrootDirectory /r/hosts/fault-refuses-key\n\tSetEnv KAUDIT_PROC=/.kproc\n\tAuthorizedKeysFile none\n",
		"MaxStartups 4000:30:8000\n", "LogLevel VERBOSE\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("shard config lacks %q:\n%s", want, cfg)
		}
	}
	for _, not := range []string{"0.0.0.0", "127.1.0.5", "127.1.0.3"} {
		if strings.Contains(cfg, not) {
			t.Errorf("shard config has %q", not)
		}
	}
	if sshdConfig(f, "/k/host", "/k/a", "kaudit") != renderSSHDConfig(f, f.Hosts, false, "/k/host", "/k/a", "kaudit") {
		t.Error("sshdConfig is not the unsharded config")
	}
}

func TestHostsPerSSHDRange(t *testing.T) {
	for _, n := range []int{-1, MaxHostsPerSSHD + 1} {
		if _, err := Start(context.Background(), Options{HostsPerSSHD: n}); err == nil || !strings.Contains(err.Error(), "HostsPerSSHD") {
			t.Errorf("HostsPerSSHD %d: %v", n, err)
		}
	}
}

// TestShardedFleet starts 5 hosts over 2 sshds (3 + 2) and reaches every
// host, each chrooted into its own tree, with one shared log.
func TestShardedFleet(t *testing.T) {
	Require(t)
	f, err := Start(context.Background(), Options{Hosts: []string{"seed003-centos78"},
		Clones: map[string]int{"seed003-centos78": 4}, HostsPerSSHD: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Stop(); err != nil {
			t.Error(err)
		}
	}()
	if len(f.SSHDConfigs) != 2 || f.SSHDConfigs[0] != f.SSHDConfig {
		t.Fatalf("configs %q (SSHDConfig %s)", f.SSHDConfigs, f.SSHDConfig)
	}
	second, err := os.ReadFile(f.SSHDConfigs[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(second), "ListenAddress "+f.Hosts[3].Address+":22\n") || strings.Contains(string(second), "Match LocalAddress "+f.Hosts[0].Address+"\n") {
		t.Errorf("second sshd config:\n%s", second)
	}
	for _, h := range f.Hosts {
		// Clones print the same fixture outputs: a file put in each host's
		// own tree shows which chroot the session got.
		marker := "shard-test-" + h.Name
		if err := os.WriteFile(h.Root+"/tmp/"+marker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runSSH(t, f, h.Name, "ls", "/tmp")
		if r.exit != 0 || !strings.Contains(r.stdout, marker) || strings.Count(r.stdout, "shard-test-") != 1 {
			t.Errorf("%s: exit %d, /tmp lists %q (stderr %q)", h.Name, r.exit, r.stdout, r.stderr)
		}
	}
	stats, err := f.SSHDStats()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range f.Hosts {
		if stats[h.Name].Sessions != 1 {
			t.Errorf("%s: %+v in the shared sshd log", h.Name, stats[h.Name])
		}
	}
}
