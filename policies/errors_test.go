package policies

import (
	"context"
	"strings"
	"testing"
)

const okChecks = `checks := {
	"acme.a": {"title": "A", "severity": "high", "order": 1},
	"acme.b": {"title": "B", "severity": "low", "order": 2},
}
`

// TestPolicyErrorsBecomeErrorResults: a pack that fails to evaluate or
// returns malformed results yields status error results naming the pack and
// the problem, one per declared check; the other packs are unaffected.
func TestPolicyErrorsBecomeErrorResults(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  map[string]string // id → substring of the error message ("" = not an error)
	}{
		{
			name: "conflict at eval time",
			rules: `x := 1 if input.hostname
x := 2 if input.hostname
results contains {"id": "acme.a", "severity": "high", "status": "pass", "message": "m", "x": x}
results contains {"id": "acme.b", "severity": "low", "status": "pass", "message": "m"}
`,
			want: map[string]string{"acme.a": "failed to evaluate", "acme.b": "failed to evaluate"},
		},
		{
			name: "bad status and missing severity",
			rules: `results contains {"id": "acme.a", "severity": "high", "status": "passed", "message": "m"}
results contains {"id": "acme.b", "status": "pass", "message": "m"}
`,
			want: map[string]string{"acme.a": `status "passed"`, "acme.b": "missing severity"},
		},
		{
			name: "bad severity, missing id",
			rules: `results contains {"id": "acme.a", "severity": "urgent", "status": "pass", "message": "m"}
results contains {"severity": "low", "status": "pass", "message": "m"}
`,
			want: map[string]string{"acme.a": `severity "urgent"`, "acme.b": "no result for acme.b", "acme.result[": "missing id"},
		},
		{
			name: "duplicate and missing",
			rules: `results contains {"id": "acme.a", "severity": "high", "status": "pass", "message": "one"}
results contains {"id": "acme.a", "severity": "high", "status": "fail", "message": "two"}
`,
			want: map[string]string{"acme.a": "2 results for acme.a", "acme.b": "no result for acme.b"},
		},
		{
			name:  "results not a collection",
			rules: `results := "all good"` + "\n",
			want:  map[string]string{"acme.a": "want a set or array", "acme.b": "want a set or array"},
		},
		{
			name:  "results undefined",
			rules: `results := [] if false` + "\n",
			want:  map[string]string{"acme.a": "undefined", "acme.b": "undefined"},
		},
		{
			name: "valid, with an undeclared extra",
			rules: `results contains {"id": "acme.a", "severity": "high", "status": "pass", "message": "m\nsecond line", "evidence": {"n": 1}}
results contains {"id": "acme.b", "severity": "low", "status": "not_applicable", "message": "m"}
results contains {"id": "acme.c", "severity": "info", "status": "unknown", "message": "m"}
`,
			want: map[string]string{"acme.a": "", "acme.b": "", "acme.c": "does not declare"},
		},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePack(t, map[string]string{"acme/acme.rego": "package kaudit.acme\n\n" + okChecks + tt.rules})
			e := newEngine(t, Options{Packs: []string{dir}})
			rs := e.Eval(ctx, loadFixture(t, "rhel7-mitigated"), HostInput{Name: "h"})
			got := byID(t, rs)
			for _, id := range kmemIDs {
				if got[id].Status == StatusError {
					t.Errorf("built-in %s became an error: %s", id, got[id].Message)
				}
			}
			if len(got) != len(kmemIDs)+len(tt.want) {
				t.Errorf("%d results, want %d", len(got), len(kmemIDs)+len(tt.want))
			}
			for id, sub := range tt.want {
				r, ok := got[id]
				if strings.HasSuffix(id, "[") { // an index chosen by set order
					for gid, gr := range got {
						if strings.HasPrefix(gid, id) {
							r, ok = gr, true
						}
					}
				}
				switch {
				case !ok:
					t.Errorf("no result for %s", id)
				case sub == "" && r.Status == StatusError:
					t.Errorf("%s: unexpected error: %s", id, r.Message)
				case sub != "" && (r.Status != StatusError || !strings.Contains(r.Message, sub) || !strings.Contains(r.Message, "acme")):
					t.Errorf("%s = %s %q, want an error naming pack acme and %q", id, r.Status, r.Message, sub)
				}
				if r.Pack != "acme" || SeverityRank(r.Severity) < 0 || r.Title == "" {
					t.Errorf("%s: %+v", id, r)
				}
				if strings.Contains(r.Message, "\n") {
					t.Errorf("%s: multi-line message %q", id, r.Message)
				}
			}
		})
	}
}

// TestLoadErrors: problems found when loading fail New, naming the file.
func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, want string
		files      map[string]string
		noBuiltin  bool
	}{
		{"parse error", "bad.rego", map[string]string{"bad.rego": "package kaudit.acme\nresults contains x if {"}, false},
		{"outside kaudit", "policies must be in package kaudit.<pack>", map[string]string{"p.rego": "package acme\nresults := []\n"}, false},
		{"reserved lib", "reserved for kaudit's library", map[string]string{"p.rego": "package kaudit.lib.x\ny := 1\n"}, false},
		{"reserved params", "reserved", map[string]string{"p.rego": "package kaudit.params\ny := 1\n"}, false},
		{"shadow builtin pack", "already defined by the built-in pack", map[string]string{"p.rego": "package kaudit.kmem\ny := 1\n"}, false},
		{"no checks", "checks is undefined", map[string]string{"p.rego": "package kaudit.acme\nresults := []\n"}, false},
		{"bad check metadata", `severity "severe"`, map[string]string{"p.rego": "package kaudit.acme\nchecks := {\"acme.a\": {\"title\": \"A\", \"severity\": \"severe\"}}\nresults := []\n"}, false},
		{"compile error", "undefined function", map[string]string{"p.rego": "package kaudit.acme\nchecks := {}\nresults := [nope(1)]\n"}, false},
		{"no pack at all", "no pack defines results", map[string]string{"p.rego": "package kaudit.acme\nx := 1\n"}, true},
		{"empty dir", "no .rego files", map[string]string{"README": "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePack(t, tt.files)
			_, err := New(ctx, Options{Packs: []string{dir}, NoBuiltin: tt.noBuiltin})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := New(ctx, Options{Packs: []string{"/nonexistent/kaudit"}}); err == nil {
		t.Error("a missing pack dir loaded")
	}
}

// TestNoBuiltinCopy: --no-builtin with a copy of the pack in a directory
// behaves like the built-in one (a user can fork the pack).
func TestNoBuiltinCopy(t *testing.T) {
	srcs, err := embeddedSources(builtinDir, false)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, s := range srcs {
		files[strings.TrimPrefix(s.name, "builtin:kmem/")] = s.text
	}
	dir := writePack(t, files)
	fork := newEngine(t, Options{Packs: []string{dir}, NoBuiltin: true})
	orig := newEngine(t, Options{})
	f := loadFixture(t, "seed000-centos75-softlockup")
	a, b := fork.Eval(context.Background(), f, HostInput{}), orig.Eval(context.Background(), f, HostInput{})
	if len(a) != len(b) {
		t.Fatalf("%d vs %d results", len(a), len(b))
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Status != b[i].Status || a[i].Message != b[i].Message {
			t.Errorf("fork %s %s, built-in %s %s", a[i].ID, a[i].Status, b[i].ID, b[i].Status)
		}
	}
	if fork.Checks()[0].Pack != "kmem" {
		t.Errorf("fork checks: %+v", fork.Checks()[0])
	}
	if d, _ := fork.Describe("kmem.risk"); d.Origin != dir {
		t.Errorf("fork origin %q, want %q", d.Origin, dir)
	}
}
