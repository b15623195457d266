package inventory

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPrecedence(t *testing.T) {
	inv := mustLoad(t, `
defaults {
  user            = "audit"
  port            = 2200
  timeout         = "30s"
  sudo            = true
  host_key_policy = "accept-new"
  labels          = { env = "prod", role = "none", owner = "ops" }
}
group "first" {
  user    = "first-user"
  timeout = "45s"
  labels  = { role = "worker", rack = "r1" }
  hosts   = ["a", "b"]
}
group "second" {
  user   = "second-user"
  port   = 2300
  sudo   = false
  labels = { role = "other", zone = "z2" }
  hosts  = ["b", "c"]
}
host "b" {
  port   = 2222
  labels = { owner = "dba" }
}
`)
	a, b, c := hostByName(t, inv, "a"), hostByName(t, inv, "b"), hostByName(t, inv, "c")
	cases := []struct {
		name      string
		got, want any
	}{
		{"a user from its group", a.SSH.User, "first-user"},
		{"b user: first group wins", b.SSH.User, "first-user"},
		{"c user from second group", c.SSH.User, "second-user"},
		{"a port from defaults", a.Port, 2200},
		{"b port from host block", b.Port, 2222},
		{"c port from group", c.Port, 2300},
		{"a timeout from group", a.SSH.Timeout, 45 * time.Second},
		{"c timeout from defaults", c.SSH.Timeout, 30 * time.Second},
		{"b sudo: first group has none, second says false", b.SSH.Sudo, false},
		{"a sudo from defaults", a.SSH.Sudo, true},
		{"host_key_policy from defaults", c.SSH.HostKeyPolicy, "accept-new"},
		{"b groups in file order", b.Groups, []string{"first", "second"}},
		{"a labels", a.Labels, map[string]string{"env": "prod", "role": "worker", "owner": "ops", "rack": "r1"}},
		{"b labels: defaults < groups (first wins) < host", b.Labels,
			map[string]string{"env": "prod", "role": "worker", "owner": "dba", "rack": "r1", "zone": "z2"}},
		{"c labels", c.Labels, map[string]string{"env": "prod", "role": "other", "owner": "ops", "zone": "z2"}},
		{"host order is first appearance", hostNames(inv.Hosts), []string{"a", "b", "c"}},
		{"b declared at its host block", b.DeclRange.String(), "inv.hcl:23:1"},
		{"a declared at its group entry", a.DeclRange.String(), "inv.hcl:14:14"},
	}
	for _, tc := range cases {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestBuiltinDefaults(t *testing.T) {
	inv := mustLoad(t, `host "h" {}`)
	h := inv.Hosts[0]
	want := SSHSettings{
		UseAgent:       true,
		HostKeyPolicy:  "strict",
		Timeout:        60 * time.Second,
		ConnectTimeout: 10 * time.Second,
	}
	if !reflect.DeepEqual(h.SSH, want) {
		t.Errorf("SSH = %#v\nwant %#v", h.SSH, want)
	}
	if h.Port != 22 || h.Transport != "ssh" || h.Address != "h" || h.Bastion != "" || h.Concurrency != 0 {
		t.Errorf("host = %+v", h)
	}
	if h.Labels == nil || h.Groups == nil {
		t.Errorf("labels and groups must be empty, not nil: %+v", h)
	}
}

func TestFunctions(t *testing.T) {
	opts := testOpts(map[string]string{"DC": "dc1", "EMPTY": ""}, nil)
	inv, _, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(`
group "g" {
  hosts  = concat(["a-${env("DC")}"], [format("b-%03d", 7)])
  labels = merge({ dc = upper(env("DC")) }, { empty = env("EMPTY") })
  user   = try(env("UNSET_USER"), "fallback")
}
params {
  has_unset = can(env("UNSET"))
}
`)}, opts)
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if got := hostNames(inv.Hosts); !slices.Equal(got, []string{"a-dc1", "b-007"}) {
		t.Errorf("hosts %v", got)
	}
	h := inv.Hosts[0]
	if !reflect.DeepEqual(h.Labels, map[string]string{"dc": "DC1", "empty": ""}) {
		t.Errorf("labels %v", h.Labels)
	}
	if h.SSH.User != "fallback" {
		t.Errorf("user %q", h.SSH.User)
	}
	if inv.Params["has_unset"] != false {
		t.Errorf("can(env(UNSET)) = %v", inv.Params["has_unset"])
	}
}

func TestParseHostPattern(t *testing.T) {
	cases := []struct {
		in    string
		names []string
		port  int
		err   string
	}{
		{in: "h[1:3]", names: []string{"h1", "h2", "h3"}},
		{in: "h[08:11]", names: []string{"h08", "h09", "h10", "h11"}},
		{in: "h[8:11]", names: []string{"h8", "h9", "h10", "h11"}},
		{in: "h[0:0]", names: []string{"h0"}},
		{in: "[1:2].[3:4]", names: []string{"1.3", "1.4", "2.3", "2.4"}},
		{in: "h[1:2]:2200", names: []string{"h1:2200", "h2:2200"}, port: 2200},
		{in: "::1", names: []string{"::1"}},
		{in: "[::1]", names: []string{"::1"}},
		{in: "[::1]:22", names: []string{"[::1]:22"}, port: 22},
		{in: "", err: "empty host entry"},
		{in: "a b", err: "space or control"},
		{in: "h:", err: "empty port"},
		{in: "h:x", err: `port "x" is not a number`},
		{in: ":22", err: "no host name"},
		{in: "[::1]x", err: "unexpected"},
		{in: "h[1:[2:3]]", err: "ranges cannot nest"},
		{in: "h[1:2:3]", err: "decimal numbers"},
		{in: "h[-1:2]", err: "decimal numbers"},
	}
	for _, tc := range cases {
		p, err := parseHostPattern(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var names []string
		p.expand(func(h string) { names = append(names, p.name(h)) })
		if !slices.Equal(names, tc.names) || p.port != tc.port || p.count(maxHosts) != len(tc.names) {
			t.Errorf("%q: names %v port %d count %d, want %v port %d", tc.in, names, p.port, p.count(maxHosts), tc.names, tc.port)
		}
	}
}

func TestMembership(t *testing.T) {
	inv := mustLoad(t, `
group "web" {
  hosts       = ["w1", "w2"]
  concurrency = 16
}
group "canary" {
  hosts       = ["w2"]
  concurrency = 4
}
group "databases" {
  labels = { role = "db" }
}
host "db-01" {
  address = "10.1.2.3"
  groups  = ["databases", "web"]
}
`)
	w1, w2, db := hostByName(t, inv, "w1"), hostByName(t, inv, "w2"), hostByName(t, inv, "db-01")
	if !slices.Equal(w2.Groups, []string{"web", "canary"}) || w2.Concurrency != 4 {
		t.Errorf("w2 groups %v concurrency %d", w2.Groups, w2.Concurrency)
	}
	if w1.Concurrency != 16 {
		t.Errorf("w1 concurrency %d", w1.Concurrency)
	}
	// Groups are ordered by declaration, not by the host's groups list.
	if !slices.Equal(db.Groups, []string{"web", "databases"}) || db.Labels["role"] != "db" || db.Address != "10.1.2.3" {
		t.Errorf("db %+v", db)
	}
	if len(inv.Hosts) != 3 {
		t.Errorf("hosts %v", hostNames(inv.Hosts))
	}
	g := inv.Groups["web"]
	if g.Concurrency != 16 || g.DeclRange.String() != "inv.hcl:2:1" {
		t.Errorf("group %+v", g)
	}
}

func TestHostBlockMergesWithGroupEntry(t *testing.T) {
	inv := mustLoad(t, `
group "g" {
  hosts = ["a", "db-01", "b"]
  user  = "group-user"
}
host "db-01" {
  address = "10.0.0.9"
  port    = 2222
}
`)
	if got := hostNames(inv.Hosts); !slices.Equal(got, []string{"a", "db-01", "b"}) {
		t.Fatalf("hosts %v", got)
	}
	db := inv.Hosts[1]
	if db.Address != "10.0.0.9" || db.Port != 2222 || db.SSH.User != "group-user" || !slices.Equal(db.Groups, []string{"g"}) {
		t.Errorf("db %+v", db)
	}
}

func TestBastions(t *testing.T) {
	inv := mustLoad(t, `
defaults {
  user    = "audit"
  port    = 2200
  bastion = "dc1"
}
bastion "edge" {
  address = "edge.example.com"
  port    = 22
  user    = "jump"
}
bastion "dc1" {
  address     = "jump.dc1.example.com"
  bastion     = "edge"
  concurrency = 4
}
group "direct" {
  bastion = ""
  hosts   = ["d1"]
}
host "h" {}
host "l" {
  transport = "local"
}
`)
	edge, dc1 := inv.Bastions["edge"], inv.Bastions["dc1"]
	if edge.Port != 22 || edge.SSH.User != "jump" || edge.Concurrency != 8 || edge.Bastion != "" {
		t.Errorf("edge %+v", edge)
	}
	if dc1.Port != 2200 || dc1.SSH.User != "audit" || dc1.Concurrency != 4 || dc1.Bastion != "edge" {
		t.Errorf("dc1 %+v", dc1)
	}
	if h := hostByName(t, inv, "h"); h.Bastion != "dc1" {
		t.Errorf("h bastion %q", h.Bastion)
	}
	if d := hostByName(t, inv, "d1"); d.Bastion != "" {
		t.Errorf(`bastion = "" must override the default: %q`, d.Bastion)
	}
	if l := hostByName(t, inv, "l"); l.Bastion != "" || l.Transport != "local" {
		t.Errorf("local host %+v", l)
	}
	var chain []string
	for _, b := range inv.BastionChain("dc1") {
		chain = append(chain, b.Name)
	}
	if !slices.Equal(chain, []string{"edge", "dc1"}) {
		t.Errorf("chain %v", chain)
	}
	if inv.BastionChain("") != nil || inv.BastionChain("nope") != nil {
		t.Error("empty or unknown chain must be nil")
	}
}

func TestParamsAndWaivers(t *testing.T) {
	inv := mustLoad(t, `
group "workers" {
  hosts = ["worker-[001:010]"]
}
params {
  memcg_headroom_fail = 0.90
  name                = "x"
  on                  = true
  list                = [1, "a"]
  nested              = { a = { b = 2 } }
  nothing             = null
}
params {
  more = 3
}
waiver "kmem.kubelet" {
  hosts          = ["worker-00*"]
  groups         = ["workers"]
  checks         = ["kmem.runc", "kmem.*"]
  reason         = "kubelet nokmem build rolling out"
  owner          = "platform-team"
  ticket         = "OPS-1234"
  expires        = "2026-12-31"
  allow_critical = true
}
`)
	wantParams := map[string]any{
		"memcg_headroom_fail": 0.90, "name": "x", "on": true, "list": []any{1.0, "a"},
		"nested": map[string]any{"a": map[string]any{"b": 2.0}}, "nothing": nil, "more": 3.0,
	}
	if !reflect.DeepEqual(inv.Params, wantParams) {
		t.Errorf("params %#v", inv.Params)
	}
	if len(inv.Waivers) != 1 {
		t.Fatalf("waivers %v", inv.Waivers)
	}
	w := inv.Waivers[0]
	want := &Waiver{
		Checks: []string{"kmem.kubelet", "kmem.runc", "kmem.*"}, Hosts: []string{"worker-00*"}, Groups: []string{"workers"},
		Reason: "kubelet nokmem build rolling out", Owner: "platform-team", Ticket: "OPS-1234",
		Expires: time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC), AllowCritical: true,
		DeclRange: Range{Filename: "inv.hcl", Line: 16, Column: 1},
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("waiver %+v\nwant   %+v", w, want)
	}
	if w.Expired(time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)) || !w.Expired(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a waiver holds through the end of its day, UTC")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	inv, diags := loadSrc(t, `host "h" {
  password = "hunter2"
}`)
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	h := inv.Hosts[0]
	if h.SSH.Password.Reveal() != "hunter2" {
		t.Fatal("password not loaded")
	}
	js, err := json.Marshal(h.Effective())
	if err != nil {
		t.Fatal(err)
	}
	hostJSON, _ := json.Marshal(h)
	var table strings.Builder
	if err := WriteHostsTable(&table, inv.Hosts); err != nil {
		t.Fatal(err)
	}
	for what, s := range map[string]string{
		"%v": fmt.Sprintf("%v", h), "%+v": fmt.Sprintf("%+v", *h), "%#v": fmt.Sprintf("%#v", *h),
		"effective JSON": string(js), "host JSON": string(hostJSON), "table": table.String(),
		"diagnostics": diagText(diags),
	} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%s leaks the password: %s", what, s)
		}
	}
	if !strings.Contains(string(js), `"password":"\u003credacted\u003e"`) {
		t.Errorf("effective JSON does not show the password as redacted: %s", js)
	}
	if !strings.Contains(table.String(), "password") {
		t.Errorf("table does not name the password method: %s", table.String())
	}
}

func TestEffective(t *testing.T) {
	inv := mustLoad(t, `
group "g" {
  hosts  = ["a:2222"]
  labels = { role = "worker", env = "prod" }
  sudo   = true
}
`)
	e := inv.Hosts[0].Effective()
	want := EffectiveHost{
		Name: "a:2222", Address: "a", Port: 2222, Transport: "ssh", Groups: []string{"g"},
		Labels:        map[string]string{"role": "worker", "env": "prod"},
		IdentityFiles: []string{}, Agent: true, KnownHosts: []string{},
		HostKeyPolicy: "strict", Timeout: "1m0s", ConnectTimeout: "10s", Sudo: true, Declared: "inv.hcl:3:13",
	}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("effective %+v\nwant      %+v", e, want)
	}
	var b strings.Builder
	if err := WriteHostsTable(&b, inv.Hosts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("table:\n%s", b.String())
	}
	for _, f := range []string{"a:2222", "2222", "ssh", "env=prod,role=worker", "true", "agent"} {
		if !strings.Contains(lines[1], f) {
			t.Errorf("row %q lacks %q", lines[1], f)
		}
	}
}

func TestLocal(t *testing.T) {
	inv := Local()
	if len(inv.Hosts) != 1 {
		t.Fatalf("hosts %v", inv.Hosts)
	}
	h := inv.Hosts[0]
	if h.Name != "localhost" || h.Transport != "local" || h.SSH.Timeout != 60*time.Second {
		t.Errorf("local host %+v", h)
	}
	sel, err := inv.Select(nil)
	if err != nil || len(sel) != 1 {
		t.Errorf("select %v %v", sel, err)
	}
}

func TestLoadPathsAndDirectories(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("inv.d/20-hosts.hcl", "group \"g\" {\n  hosts = [\"b\"]\n}\n")
	write("inv.d/10-defaults.hcl", "defaults {\n  user = \"audit\"\n}\ngroup \"f\" {\n  hosts = [\"a\"]\n}\n")
	write("inv.d/notes.txt", "not hcl")
	extra := write("extra.hcl", "host \"c\" {\n  password = file(\"pw\")\n}\n")
	write("pw", "from-file")

	inv, files, diags := Load([]string{filepath.Join(dir, "inv.d"), extra, extra}, LoadOptions{Getenv: testOpts(nil, nil).Getenv})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if got := hostNames(inv.Hosts); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("hosts %v: files load in lexical order, directories first as given", got)
	}
	wantFiles := []string{filepath.Join(dir, "inv.d/10-defaults.hcl"), filepath.Join(dir, "inv.d/20-hosts.hcl"), extra}
	if !slices.Equal(inv.Files, wantFiles) {
		t.Errorf("files %v, want %v", inv.Files, wantFiles)
	}
	if hostByName(t, inv, "c").SSH.Password.Reveal() != "from-file" || hostByName(t, inv, "b").SSH.User != "audit" {
		t.Error("file() must read relative to the inventory file; defaults apply across files")
	}
	if len(files) != 3 {
		t.Errorf("Load returned %d parsed files, want 3", len(files))
	}

	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{nil, "No inventory given"},
		{[]string{filepath.Join(dir, "missing.hcl")}, "missing.hcl"},
		{[]string{filepath.Dir(write("empty.d/readme.txt", "x"))}, "contains no *.hcl files"},
	} {
		inv, _, diags := Load(tc.paths, LoadOptions{})
		if inv != nil || !diags.HasErrors() || !strings.Contains(diagText(diags), tc.want) {
			t.Errorf("Load(%v): want error %q, got %s", tc.paths, tc.want, diagText(diags))
		}
	}
}

func TestExamplesLoad(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*.hcl")
	if len(paths) < 3 {
		t.Fatalf("want at least 3 examples, found %v", paths)
	}
	opts := testOpts(nil, nil)
	opts.ReadFile = nil // the real files
	for _, p := range paths {
		inv, _, diags := Load([]string{p}, opts)
		if diags.HasErrors() {
			t.Errorf("%s:\n%s", p, diagText(diags))
			continue
		}
		if len(diags) != 0 {
			t.Errorf("%s has warnings:\n%s", p, diagText(diags))
		}
		if len(inv.Hosts) == 0 {
			t.Errorf("%s has no hosts", p)
		}
	}
	inv, _, diags := Load([]string{"../examples/prod.hcl"}, opts)
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	workers, err := inv.Select([]string{"group=workers"})
	if err != nil || len(workers) != 120 || workers[0].Name != "worker-001.dc1.example.com" {
		t.Errorf("prod workers: %d, %v", len(workers), err)
	}
	if chain := inv.BastionChain(workers[0].Bastion); len(chain) != 2 || chain[0].Name != "edge" {
		t.Errorf("prod worker chain %v", chain)
	}

	stg, _, diags := Load([]string{"../examples/staging.hcl"}, opts)
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	gpu := hostByName(t, stg, "stg-node-22.fra1.internal")
	if gpu.SSH.Timeout != 90*time.Second || gpu.Concurrency != 2 || !slices.Equal(gpu.Groups, []string{"workers", "gpu"}) ||
		gpu.Labels["role"] != "worker" || gpu.Labels["accelerator"] != "nvidia" || gpu.Bastion != "fra1" {
		t.Errorf("staging gpu node %+v", gpu)
	}
	edge := hostByName(t, stg, "[2a01:4f8:c0c:2::23]:2222")
	if edge.Address != "2a01:4f8:c0c:2::23" || edge.Port != 2222 || edge.Bastion != "" {
		t.Errorf("staging edge node %+v", edge)
	}
	if legacy := hostByName(t, stg, "nat.fra1.internal:2202"); legacy.SSH.User != "kaudit" || legacy.Port != 2202 {
		t.Errorf("staging legacy VM %+v", legacy)
	}
}
