package inventory

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestBadInput: every mistake is a diagnostic with a useful message and the
// exact file:line:col of what is wrong; nothing is returned on error.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string // substring of "Summary: Detail"
		pos  string // file:line:col of the diagnostic's subject
		warn bool   // a warning, the inventory still loads
	}{
		{name: "unknown attribute suggests", src: "defaults {\n  usr = \"x\"\n}\n",
			want: `Unsupported argument: An argument named "usr" is not expected here. Did you mean "user"?`, pos: "inv.hcl:2:3"},
		{name: "unknown attribute suggests across words", src: "host \"h\" {\n  hostkeypolicy = \"strict\"\n}\n",
			want: `Did you mean "host_key_policy"?`, pos: "inv.hcl:2:3"},
		{name: "unknown attribute alias suggests", src: "defaults {\n  use_agent = true\n}\n",
			want: `An argument named "use_agent" is not expected here. Did you mean "agent"?`, pos: "inv.hcl:2:3"},
		{name: "unknown attribute alias key", src: "host \"h\" {\n  private_key = \"k\"\n}\n",
			want: `Did you mean "identity_file"?`, pos: "inv.hcl:2:3"},
		{name: "unknown block suggests", src: "hots \"a\" {\n}\n",
			want: `Unsupported block type: Blocks of type "hots" are not expected here. Did you mean "host"?`, pos: "inv.hcl:1:1"},
		{name: "top-level attribute", src: "user = \"x\"\n",
			want: `Unsupported argument`, pos: "inv.hcl:1:1"},
		{name: "attribute in the wrong block", src: "defaults {\n  hosts = [\"a\"]\n}\n",
			want: `"hosts" is not valid in a defaults block; it belongs in group and waiver blocks`, pos: "inv.hcl:2:3"},
		{name: "wrong type bool", src: "defaults {\n  sudo = \"yes\"\n}\n",
			want: `Inappropriate value for "sudo": a bool is required`, pos: "inv.hcl:2:10"},
		{name: "wrong type labels", src: "defaults {\n  labels = \"prod\"\n}\n",
			want: `Inappropriate value for "labels": map of string required`, pos: "inv.hcl:2:12"},
		{name: "wrong type port", src: "defaults {\n  port = \"ssh\"\n}\n",
			want: `Inappropriate value for "port": a number is required`, pos: "inv.hcl:2:10"},
		{name: "port out of range", src: "defaults {\n  port = 70000\n}\n",
			want: `port must be a whole number from 1 to 65535; got 70000`, pos: "inv.hcl:2:10"},
		{name: "port zero", src: "host \"h\" {\n  port = 0\n}\n",
			want: `got 0`, pos: "inv.hcl:2:10"},
		{name: "port fraction", src: "host \"h\" {\n  port = 22.5\n}\n",
			want: `got 22.5`, pos: "inv.hcl:2:10"},
		{name: "unknown bastion from group", src: "group \"g\" {\n  hosts   = [\"a\"]\n  bastion = \"dc9\"\n}\n",
			want: `group "g" refers to bastion "dc9", which is not declared. Declare it with bastion "dc9"`, pos: "inv.hcl:3:13"},
		{name: "unknown bastion from host suggests", src: "host \"h\" {\n  bastion = \"jmp\"\n}\nbastion \"jump\" {\n  address = \"j.example.com\"\n}\n",
			want: `host "h" refers to bastion "jmp", which is not declared. Did you mean "jump"?`, pos: "inv.hcl:2:13"},
		{name: "unknown bastion from bastion", src: "bastion \"b\" {\n  address = \"b.example.com\"\n  bastion = \"x\"\n}\n",
			want: `bastion "b" refers to bastion "x"`, pos: "inv.hcl:3:13"},
		{name: "unknown bastion from defaults", src: "defaults {\n  bastion = \"x\"\n}\n",
			want: `defaults refers to bastion "x"`, pos: "inv.hcl:2:13"},
		{name: "bastion cycle", src: "bastion \"a\" {\n  address = \"a.example.com\"\n  bastion = \"b\"\n}\nbastion \"b\" {\n  address = \"b.example.com\"\n  bastion = \"a\"\n}\n",
			want: `Bastion cycle: Bastions jump through each other in a loop: a → b → a.`, pos: "inv.hcl:7:13"},
		{name: "bastion self cycle", src: "bastion \"a\" {\n  address = \"a.example.com\"\n  bastion = \"a\"\n}\n",
			want: `a loop: a → a.`, pos: "inv.hcl:3:13"},
		{name: "bastion without address", src: "bastion \"a\" {\n}\n",
			want: `bastion "a" needs address`, pos: "inv.hcl:1:1"},
		{name: "duplicate host block", src: "host \"h\" {\n}\nhost \"h\" {\n}\n",
			want: `Duplicate host "h": host "h" is already declared at inv.hcl:1:1`, pos: "inv.hcl:3:1"},
		{name: "duplicate group", src: "group \"g\" {\n  hosts = [\"a\"]\n}\ngroup \"g\" {\n  hosts = [\"b\"]\n}\n",
			want: `group "g" is already declared at inv.hcl:1:1`, pos: "inv.hcl:4:1"},
		{name: "duplicate defaults", src: "defaults {\n}\ndefaults {\n}\n",
			want: `A defaults block is already declared at inv.hcl:1:1`, pos: "inv.hcl:3:1"},
		{name: "duplicate address:port", src: "host \"a\" {\n  address = \"10.0.0.1\"\n}\nhost \"b\" {\n  address = \"10.0.0.1\"\n}\n",
			want: `host "b" dials 10.0.0.1:22, like host "a" declared at inv.hcl:1:1`, pos: "inv.hcl:4:1"},
		{name: "duplicate address from a group entry", src: "group \"g\" {\n  hosts = [\"10.0.0.1\"]\n}\nhost \"db\" {\n  address = \"10.0.0.1\"\n}\n",
			want: `host "db" dials 10.0.0.1:22, like host "10.0.0.1" declared at inv.hcl:2:12`, pos: "inv.hcl:4:1"},
		{name: "reversed range", src: "group \"g\" {\n  hosts = [\"web-[9:5]\"]\n}\n",
			want: `reversed range [9:5]: START 9 is greater than END 5; write [5:9]`, pos: "inv.hcl:2:17"},
		{name: "empty range", src: "group \"g\" {\n  hosts = [\"x[]\"]\n}\n",
			want: `malformed range []: expected [START:END]`, pos: "inv.hcl:2:14"},
		{name: "letters in range", src: "group \"g\" {\n  hosts = [\"n[a:b]\"]\n}\n",
			want: `malformed range [a:b]: START and END must be decimal numbers`, pos: "inv.hcl:2:14"},
		{name: "range without colon", src: "group \"g\" {\n  hosts = [\"n[5]\"]\n}\n",
			want: `malformed range [5]: expected [START:END]`, pos: "inv.hcl:2:14"},
		{name: "unterminated range", src: "group \"g\" {\n  hosts = [\"n[1:5\"]\n}\n",
			want: `unterminated range`, pos: "inv.hcl:2:14"},
		{name: "unbalanced bracket", src: "group \"g\" {\n  hosts = [\"n]\"]\n}\n",
			want: `unbalanced ']'`, pos: "inv.hcl:2:14"},
		{name: "huge range bound", src: "group \"g\" {\n  hosts = [\"n[1:12345678901]\"]\n}\n",
			want: `bounds are limited to 9 digits`, pos: "inv.hcl:2:14"},
		{name: "bad character in host", src: "group \"g\" {\n  hosts = [\"a/b\"]\n}\n",
			want: `invalid character '/'`, pos: "inv.hcl:2:14"},
		{name: "several colons without brackets", src: "group \"g\" {\n  hosts = [\"h:1:2\"]\n}\n",
			want: `write an IPv6 address with a port as [ADDRESS]:PORT`, pos: "inv.hcl:2:12"},
		{name: "entry port out of range", src: "group \"g\" {\n  hosts = [\"h:0\"]\n}\n",
			want: `port 0 is out of range 1-65535`, pos: "inv.hcl:2:15"},
		{name: "range past 100000 hosts", src: "group \"g\" {\n  hosts = [\"h[1:200000]\"]\n}\n",
			want: `"h[1:200000]" expands to more than 100000 hosts, the most an inventory may hold`, pos: "inv.hcl:2:12"},
		{name: "ranges past 100000 hosts in total", src: "group \"g\" {\n  hosts = [\"a[1:60000]\", \"b[1:60000]\"]\n}\n",
			want: `the inventory holds more than 100000 hosts`, pos: "inv.hcl:2:26"},
		{name: "range product past 100000 hosts", src: "group \"g\" {\n  hosts = [\"r[1:1000]-n[1:1000]\"]\n}\n",
			want: `expands to more than 100000 hosts`, pos: "inv.hcl:2:12"},
		{name: "bad duration", src: "defaults {\n  timeout = \"30x\"\n}\n",
			want: `Invalid duration: timeout = "30x" is not a positive duration`, pos: "inv.hcl:2:13"},
		{name: "zero duration", src: "defaults {\n  connect_timeout = \"0s\"\n}\n",
			want: `connect_timeout = "0s" is not a positive duration`, pos: "inv.hcl:2:21"},
		{name: "unknown host_key_policy", src: "defaults {\n  host_key_policy = \"acept-new\"\n}\n",
			want: `"acept-new" is not a valid host_key_policy; use one of "strict", "accept-new". Did you mean "accept-new"?`, pos: "inv.hcl:2:21"},
		{name: "unknown transport", src: "host \"h\" {\n  transport = \"sssh\"\n}\n",
			want: `"sssh" is not a valid transport; use one of "ssh", "local". Did you mean "ssh"?`, pos: "inv.hcl:2:15"},
		{name: "unreadable file()", src: "host \"h\" {\n  password = file(\"secret.txt\")\n}\n",
			want: `Call to function "file" failed: cannot read secret.txt`, pos: "inv.hcl:2:14"},
		{name: "unset env()", src: "host \"h\" {\n  password = env(\"NOPE\")\n}\n",
			want: `Call to function "env" failed: environment variable "NOPE" is not set`, pos: "inv.hcl:2:14"},
		{name: "waiver bad date", src: "waiver \"kmem.kubelet\" {\n  reason  = \"r\"\n  expires = \"2026-02-30\"\n}\n",
			want: `expires = "2026-02-30" is not a date; write YYYY-MM-DD`, pos: "inv.hcl:3:13"},
		{name: "waiver bad check id label", src: "waiver \"Kmem.kubelet\" {\n  reason  = \"r\"\n  expires = \"2026-12-31\"\n}\n",
			want: `Invalid check id: waiver "Kmem.kubelet"`, pos: "inv.hcl:1:8"},
		{name: "waiver bare star", src: "waiver \"*\" {\n  reason  = \"r\"\n  expires = \"2026-12-31\"\n}\n",
			want: `Invalid check id`, pos: "inv.hcl:1:8"},
		{name: "waiver bad check id in checks", src: "waiver \"kmem.kubelet\" {\n  checks  = [\"kmem\"]\n  reason  = \"r\"\n  expires = \"2026-12-31\"\n}\n",
			want: `Invalid check id: "kmem"`, pos: "inv.hcl:2:14"},
		{name: "waiver without expires", src: "waiver \"kmem.kubelet\" {\n  reason = \"r\"\n}\n",
			want: `waiver "kmem.kubelet" needs expires = "YYYY-MM-DD"`, pos: "inv.hcl:1:1"},
		{name: "waiver without reason", src: "waiver \"kmem.kubelet\" {\n  expires = \"2026-12-31\"\n}\n",
			want: `waiver "kmem.kubelet" needs reason`, pos: "inv.hcl:1:1"},
		{name: "waiver unknown group", src: "group \"workers\" {\n  hosts = [\"w1\"]\n}\nwaiver \"kmem.runc\" {\n  groups  = [\"wokers\"]\n  reason  = \"r\"\n  expires = \"2026-12-31\"\n}\n",
			want: `names group "wokers", which is not declared. Did you mean "workers"?`, pos: "inv.hcl:5:14"},
		{name: "waiver bad host glob", src: "waiver \"kmem.runc\" {\n  hosts   = [\"web[\"]\n  reason  = \"r\"\n  expires = \"2026-12-31\"\n}\n",
			want: `"web[" is not a valid host name glob`, pos: "inv.hcl:2:14"},
		{name: "unknown group in host", src: "group \"databases\" {\n}\nhost \"h\" {\n  groups = [\"dbs\"]\n}\n",
			want: `host "h" is a member of group "dbs", which is not declared. Declare it with group "dbs" {}.`, pos: "inv.hcl:4:13"},
		{name: "identity_file and identity_files", src: "defaults {\n  identity_file  = \"a\"\n  identity_files = [\"b\"]\n}\n",
			want: `identity_file is already set at inv.hcl:2:3`, pos: "inv.hcl:3:3"},
		{name: "duplicate param", src: "params {\n  x = 1\n}\nparams {\n  x = 2\n}\n",
			want: `param "x" is already set at inv.hcl:2:3`, pos: "inv.hcl:5:3"},
		{name: "user@host address", src: "host \"db\" {\n  address = \"root@db.example.com\"\n}\n",
			want: `user@host is not supported`, pos: "inv.hcl:2:13"},
		{name: "address with port", src: "host \"db\" {\n  address = \"db.example.com:2222\"\n}\n",
			want: `give the port with port = N`, pos: "inv.hcl:2:13"},
		{name: "host block with a range", src: "host \"web-[1:3]\" {\n}\n",
			want: `ranges are expanded only in a group's hosts list`, pos: "inv.hcl:1:6"},
		{name: "bad label key", src: "defaults {\n  labels = { \"a b\" = \"x\" }\n}\n",
			want: `Label key "a b" must be non-empty`, pos: "inv.hcl:2:12"},
		{name: "empty ssh_config", src: "defaults {\n  ssh_config = \"\"\n}\n",
			want: `"ssh_config" must not be empty`, pos: "inv.hcl:2:16"},
		{name: "syntax error", src: "host \"h\" {\n  port = \n}\n",
			want: `Invalid expression`, pos: "inv.hcl:2:10"},
		{name: "params block with a block", src: "params {\n  nested {\n  }\n}\n",
			want: `Unexpected "nested" block`, pos: "inv.hcl:2:3"},

		// Warnings: the inventory still loads.
		{name: "literal password warns", src: "host \"h\" {\n  password = \"hunter2\"\n}\n",
			want: `Literal password in inventory: The password on line 2 of inv.hcl`, pos: "inv.hcl:2:14", warn: true},
		{name: "password through format warns", src: "host \"h\" {\n  password = format(\"%s\", \"hunter2\")\n}\n",
			want: `Literal password in inventory`, pos: "inv.hcl:2:14", warn: true},
		{name: "empty group warns", src: "group \"empty\" {\n}\n",
			want: `Empty group: group "empty" lists no hosts`, pos: "inv.hcl:1:1", warn: true},
		{name: "expired waiver warns", src: "waiver \"kmem.kubelet\" {\n  reason  = \"r\"\n  expires = \"2026-05-31\"\n}\n",
			want: `waiver "kmem.kubelet" expired at the end of 2026-05-31`, pos: "inv.hcl:3:13", warn: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv, _, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(tc.src)}, testOpts(nil, nil))
			sev := hcl.DiagError
			if tc.warn {
				sev = hcl.DiagWarning
				if diags.HasErrors() || inv == nil {
					t.Fatalf("want only warnings, got:\n%s", diagText(diags))
				}
			} else if !diags.HasErrors() || inv != nil {
				t.Fatalf("want an error and no inventory, got inv=%v diags:\n%s", inv != nil, diagText(diags))
			}
			for _, d := range diags {
				if d.Severity != sev || !strings.Contains(d.Summary+": "+d.Detail, tc.want) {
					continue
				}
				if d.Subject == nil {
					t.Fatalf("diagnostic %q has no position", d.Summary)
				}
				if got := Pos(*d.Subject); got != tc.pos {
					t.Fatalf("diagnostic %q at %s, want %s", tc.want, got, tc.pos)
				}
				return
			}
			t.Fatalf("no %s containing %q; got:\n%s", sevName(sev), tc.want, diagText(diags))
		})
	}
}

// TestDuplicateAcrossFiles: blocks from several files merge; a name
// declared twice names both positions.
func TestDuplicateAcrossFiles(t *testing.T) {
	files := map[string][]byte{
		"a.hcl": []byte("host \"db-01\" {\n  address = \"10.1.2.3\"\n}\n"),
		"b.hcl": []byte("# second file\nhost \"db-01\" {\n  address = \"10.1.2.4\"\n}\n"),
	}
	inv, _, diags := LoadBytes(files, testOpts(nil, nil))
	if inv != nil || !diags.HasErrors() {
		t.Fatalf("want an error, got:\n%s", diagText(diags))
	}
	d := diags[0]
	if got := Pos(*d.Subject); got != "b.hcl:2:1" {
		t.Errorf("subject at %s, want b.hcl:2:1", got)
	}
	if !strings.Contains(d.Detail, "already declared at a.hcl:1:1") {
		t.Errorf("detail %q does not name the first declaration", d.Detail)
	}
}

// TestResourceGuards: inputs that would take minutes or gigabytes fail fast.
func TestResourceGuards(t *testing.T) {
	cases := []struct{ name, src, want, pos string }{
		{"infinite number literal", "host \"h\" {\n  user = 1e1000000000\n}\n", "Numbers in an inventory are limited", "inv.hcl:2:10"},
		{"huge number literal", "host \"h\" {\n  user = 1e100000\n}\n", "Numbers in an inventory are limited", "inv.hcl:2:10"},
		{"tiny number literal", "params {\n  x = 1e-100000\n}\n", "Numbers in an inventory are limited", "inv.hcl:2:7"},
		{"huge format width", "host \"h\" {\n  user = format(\"%999999999d\", 1)\n}\n", "format widths and precisions are limited to 1000", "inv.hcl:2:10"},
		{"huge format precision", "host \"h\" {\n  user = format(\"%.5000f\", 1)\n}\n", "limited to 1000", "inv.hcl:2:10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv, diags := loadSrc(t, tc.src)
			if inv != nil || !diags.HasErrors() {
				t.Fatalf("want an error:\n%s", diagText(diags))
			}
			for _, d := range diags {
				if strings.Contains(d.Summary+": "+d.Detail, tc.want) {
					if got := Pos(*d.Subject); got != tc.pos {
						t.Errorf("at %s, want %s", got, tc.pos)
					}
					return
				}
			}
			t.Fatalf("no error containing %q:\n%s", tc.want, diagText(diags))
		})
	}
	if inv := mustLoad(t, "host \"h\" {\n  user = format(\"%05d-%-8s|%%\", 7, \"x\")\n}\n"); inv.Hosts[0].SSH.User != "00007-x       |%" {
		t.Errorf("format() = %q", inv.Hosts[0].SSH.User)
	}
}

// TestHostLimit: the cap on hosts and on expansion work, at a small scale.
func TestHostLimit(t *testing.T) {
	cases := []struct{ name, src, want, pos string }{
		{"one entry over the cap", "group \"g\" {\n  hosts = [\"h[1:11]\"]\n}\n", `"h[1:11]" expands to more than 10 hosts`, "inv.hcl:2:12"},
		{"host blocks over the cap", "group \"g\" {\n  hosts = [\"h[1:10]\"]\n}\nhost \"x\" {\n}\n", `With host "x" the inventory holds more than 10 hosts`, "inv.hcl:4:1"},
		{"repeated entries exhaust the expansion budget",
			"group \"g\" {\n  hosts = [" + strings.Repeat("\"h[1:10]\", ", 10) + "\"h[1:10]\"]\n}\n",
			"expand to more than 100 entries in total", "inv.hcl:2:122"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOpts(nil, nil)
			opts.hostLimit = 10
			inv, _, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(tc.src)}, opts)
			if inv != nil {
				t.Fatalf("want an error:\n%s", diagText(diags))
			}
			for _, d := range diags {
				if strings.Contains(d.Detail, tc.want) {
					if got := Pos(*d.Subject); got != tc.pos {
						t.Errorf("at %s, want %s", got, tc.pos)
					}
					return
				}
			}
			t.Fatalf("no error containing %q:\n%s", tc.want, diagText(diags))
		})
	}
	opts := testOpts(nil, nil)
	opts.hostLimit = 10
	// Exactly at the cap, with every host listed twice, loads.
	src := "group \"a\" {\n  hosts = [\"h[1:10]\"]\n}\ngroup \"b\" {\n  hosts = [\"h[1:5]\", \"h[1:10]\"]\n}\n"
	if inv, _, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(src)}, opts); inv == nil {
		t.Fatalf("hosts in several groups count once:\n%s", diagText(diags))
	}
}
