package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testfleet"
)

func TestCloneFlags(t *testing.T) {
	c := cloneFlags{}
	if err := c.Set("seed003-centos78=299"); err != nil || c["seed003-centos78"] != 299 {
		t.Errorf("Set: %v %v", err, c)
	}
	for _, bad := range []string{"x", "=3", "x=", "x=y"} {
		if err := c.Set(bad); err == nil {
			t.Errorf("Set(%q): want an error", bad)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage:"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"help"}, 0, "testfleet up"},
		{[]string{"tarpit"}, 1, "usage: testfleet tarpit"},
		{[]string{"up", "--clone", "nope"}, 2, "want fixture=N"},
		{[]string{"up", "--hosts-per-sshd", "17"}, 1, "HostsPerSSHD 17"},
		{[]string{"exec"}, 2, "usage: testfleet exec"},
		{[]string{"info", "--state", "/nonexistent/state.json", "netns"}, 1, "load fleet state"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.want) {
			t.Errorf("run(%q) = %d, %q %q; want %d and %q", tt.args, code, out.String(), errb.String(), tt.code, tt.want)
		}
	}
}

func TestInfo(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	f := &testfleet.Fleet{RunID: "r1", Dir: "/var/lib/kaudit-testfleet/r1", NetNS: "kaudit-r1", Inventory: "/var/lib/kaudit-testfleet/r1/inventory.hcl"}
	if err := f.Save(state); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{"netns": "kaudit-r1\n", "inventory": "/var/lib/kaudit-testfleet/r1/inventory.hcl\n"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"info", "--state", state, field}, &out, &errb); code != 0 || out.String() != want {
			t.Errorf("info %s = %d %q %q, want %q", field, code, out.String(), errb.String(), want)
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"info", "--state", state, "password"}, &out, &errb); code != 2 {
		t.Errorf("info password: exit %d, want 2", code)
	}
}
