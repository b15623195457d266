package inventory

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestWriteDiagnostics(t *testing.T) {
	src := "defaults {\n  user = \"audit\"\n}\ngroup \"workers\" {\n  hosts = [\"worker-[120:001]\"]\n}\nhost \"db\" {\n\tpassword = \"hunter2\"\n}\n"
	inv, files, diags := LoadBytes(map[string][]byte{"prod.hcl": []byte(src)}, testOpts(nil, nil))
	if inv != nil || len(diags) != 2 {
		t.Fatalf("want 1 error and 1 warning:\n%s", diagText(diags))
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, diags, files, 80, false); err != nil {
		t.Fatal(err)
	}
	want := `Error: Invalid host entry

  on prod.hcl:5:20, in group "workers":
     5:   hosts = ["worker-[120:001]"]
                           ^^^^^^^^^

  reversed range [120:001]: START 120 is greater than END 001; write [001:120]

Warning: Literal password in inventory

  on prod.hcl:8:13, in host "db":
     8: 	password = "hunter2"
        	           ^^^^^^^^^

  The password on line 8 of prod.hcl is written in the inventory, where anyone
  who can read the file can read it. Use password = env("NAME") or password =
  trimspace(file("PATH")) instead.

`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(b.String(), "\x1b[") {
		t.Error("escape codes without color")
	}
}

func TestWriteDiagnosticsColor(t *testing.T) {
	src := "host \"h\" {\n  port = 0\n}\n"
	_, files, diags := LoadBytes(map[string][]byte{"a.hcl": []byte(src)}, testOpts(nil, nil))
	var b strings.Builder
	if err := WriteDiagnostics(&b, diags, files, 0, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\x1b[1;31mError:\x1b[0m", "\x1b[1mInvalid port\x1b[0m", "  port = \x1b[1;4m0\x1b[0m", "on a.hcl:2:10"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%q", want, b.String())
		}
	}
}

func TestWriteDiagnosticsWithoutSource(t *testing.T) {
	rng := hcl.Range{Filename: "gone.hcl", Start: hcl.Pos{Line: 3, Column: 7, Byte: 20}, End: hcl.Pos{Line: 3, Column: 9, Byte: 22}}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Boom", Detail: "It broke.", Subject: &rng},
		{Severity: hcl.DiagError, Summary: "No inventory given", Detail: "Name one."},
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, diags, nil, 0, false); err != nil {
		t.Fatal(err)
	}
	want := "Error: Boom\n\n  on gone.hcl:3:7:\n\n  It broke.\n\nError: No inventory given\n\n  Name one.\n\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"workers", "databases", "dc1", "edge"}
	cases := map[string]string{
		"wokers":   ` Did you mean "workers"?`,
		"databse":  ` Did you mean "databases"?`,
		"dc2":      ` Did you mean "dc1"?`,
		"x":        "",
		"frontend": "",
		"edg":      ` Did you mean "edge"?`,
	}
	for in, want := range cases {
		if got := didYouMean(in, names); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDuplicateAddressSnippet: the "Duplicate address" diagnostic points at
// the second host's declaration, shows that line as its snippet and names
// its block (not the file's first line, "in defaults").
func TestDuplicateAddressSnippet(t *testing.T) {
	src := "defaults {\n  user = \"audit\"\n}\n\nhost \"a\" {\n  address = \"10.0.0.1\"\n}\n\nhost \"b\" {\n  address = \"10.0.0.1\"\n}\n"
	_, files, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(src)}, LoadOptions{Getenv: func(string) (string, bool) { return "", false }})
	if !diags.HasErrors() {
		t.Fatal("two hosts on one address load without an error")
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, diags, files, 100, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Duplicate address", `on inv.hcl:9:1, in host "b":`, `9: host "b" {`, `like host "a" declared at inv.hcl:5:1`} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostic lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "defaults {") || strings.Contains(out, "in defaults") {
		t.Errorf("diagnostic shows the defaults block:\n%s", out)
	}
}
