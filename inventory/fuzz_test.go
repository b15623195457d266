package inventory

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary bytes to LoadBytes: no panic, no hang, no
// unbounded expansion, and the result is consistent (nil inventory exactly
// when there are errors, every host sane, no password printed).
func FuzzLoad(f *testing.F) {
	examples, _ := filepath.Glob("../examples/*.hcl")
	for _, p := range examples {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		selectSrc,
		"group \"g\" {\n  hosts = [\"w-[001:120].dc1\", \"10.0.0.[1:9]\", \"[2001:db8::1]:2222\", \"h:22\"]\n}\n",
		"group \"g\" {\n  hosts = [\"h[1:1999]\", \"h[1:1999]\", \"x[9:5]\", \"y[]\"]\n}\n",
		"bastion \"a\" {\n  address = \"a\"\n  bastion = \"b\"\n}\nbastion \"b\" {\n  address = \"b\"\n  bastion = \"a\"\n}\n",
		"host \"h\" {\n  password = \"hunter2\"\n  user = format(\"%05d\", 1)\n  labels = merge({a = \"1\"}, {b = upper(\"x\")})\n}\n",
		"waiver \"kmem.*\" {\n  reason = \"r\"\n  expires = \"2026-01-01\"\n  hosts = [\"w*\"]\n}\nparams {\n  x = [1, {a = true}]\n}\n",
		"host \"h\" {\n  password = env(\"FUZZ_PW\")\n  identity_file = file(\"k\")\n}\n",
	} {
		f.Add([]byte(s))
	}
	opts := LoadOptions{
		Getenv: func(k string) (string, bool) {
			v, ok := map[string]string{"USER": "fuzz", "HOME": "/home/fuzz", "FUZZ_PW": "hunter2"}[k]
			return v, ok
		},
		ReadFile: func(string) ([]byte, error) { return nil, errors.New("no files while fuzzing") },
		Now:      func() time.Time { return testNow },
		// Every guard works the same at a smaller scale; 100,000-host
		// inputs would make each exec take seconds under instrumentation.
		hostLimit: 2000,
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		inv, files, diags := LoadBytes(map[string][]byte{"fuzz.hcl": src}, opts)
		if err := WriteDiagnostics(io.Discard, diags, files, 80, true); err != nil {
			t.Fatal(err)
		}
		if (inv == nil) != diags.HasErrors() {
			t.Fatalf("inventory nil=%v but HasErrors=%v", inv == nil, diags.HasErrors())
		}
		if inv == nil {
			return
		}
		if len(inv.Hosts) > opts.hostLimit {
			t.Fatalf("%d hosts", len(inv.Hosts))
		}
		names := map[string]bool{}
		for _, h := range inv.Hosts {
			if h.Name == "" || h.Address == "" || h.Port < 1 || h.Port > 65535 || names[h.Name] {
				t.Fatalf("bad host %+v", h)
			}
			names[h.Name] = true
			if h.Transport != "ssh" && h.Transport != "local" {
				t.Fatalf("transport %q", h.Transport)
			}
			js, err := json.Marshal(h.Effective())
			if err != nil {
				t.Fatal(err)
			}
			var e EffectiveHost
			if err := json.Unmarshal(js, &e); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: "<redacted>", false: ""}[h.SSH.Password.IsSet()]; e.Password != want {
				t.Fatalf("effective password %q", e.Password)
			}
			if h.Bastion != "" {
				chain := inv.BastionChain(h.Bastion)
				if len(chain) == 0 || len(chain) > len(inv.Bastions) || chain[len(chain)-1].Name != h.Bastion || chain[0].Bastion != "" {
					t.Fatalf("host %q: bad bastion chain %v", h.Name, chain)
				}
			}
		}
		if _, err := inv.Select(nil); err != nil {
			t.Fatal(err)
		}
	})
}
