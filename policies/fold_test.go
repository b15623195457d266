package policies

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/kaudit/kaudit/probes/facts"
)

func TestConstRules(t *testing.T) {
	mod := `package t

p := {"a": 1}
q := object.get(p, "a", 0) + data.kaudit.params.x  # rules and data: constant
r := input.x                                        # reads input
s := r                                              # depends on input
u := count(p) if time.now_ns() > 0                  # nondeterministic
v := x if { x := p with data.kaudit.params.x as 3 }  # with
w := 1 if input.y
w := 2 if not input.y                               # one definition reads input
f(x) := x                                           # function: never folded
g := f(1)                                           # calls a constant function
obj.k := 1                                          # ground ref head
set contains 1                                      # multi-value
default d := 0
d := 1 if p.a == 1                                  # default + rule, both constant
`
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(map[string]*ast.Module{"t.rego": ast.MustParseModuleWithOpts(mod, ast.ParserOptions{RegoVersion: ast.RegoV1})}); c.Failed() {
		t.Fatal(c.Errors)
	}
	var got []string
	for _, r := range constRules(c) {
		got = append(got, r.String())
	}
	want := []string{"data.t.p", "data.t.q", "data.t.g", "data.t.obj.k", "data.t.d"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("constRules = %v, want %v", got, want)
	}

	store := inmem.NewFromObject(map[string]any{"kaudit": map[string]any{"params": map[string]any{"x": 2}}})
	consts, err := foldConstants(context.Background(), c, store)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"data.t.q": "3", "data.t.d": "1", "data.t.g": "1"} {
		key, _ := foldKey(nil, ast.MustParseRef(path))
		if v := consts[string(key)]; v == nil || v.String() != want {
			t.Errorf("%s folded to %v, want %s", path, v, want)
		}
	}
}

// TestFoldingChangesNothing: every fixture, and each with parts removed,
// gets the same results with and without the folded constants, including
// under params that change what folds.
func TestFoldingChangesNothing(t *testing.T) {
	ctx := context.Background()
	for _, opts := range []Options{{}, {Params: map[string]any{"memcg_zombies_fail": 10, "memcg_headroom_warn": 0.0001, "kernel_log_ignore": []any{"soft_lockup"}}}} {
		folded, plain := newEngine(t, opts), newEngine(t, opts)
		if len(folded.packs[0].consts) == 0 {
			t.Fatal("nothing folded")
		}
		for _, p := range plain.packs {
			p.consts = nil
		}
		for _, name := range fixtureNames(t) {
			for _, strip := range []func(f *facts.Facts){nil, func(f *facts.Facts) { f.Kmem = facts.Kmem{} }, func(f *facts.Facts) { f.Runtimes = facts.Runtimes{} }, func(f *facts.Facts) { f.Boot = facts.Boot{} }} {
				f := loadFixture(t, name)
				if strip != nil {
					strip(f)
				}
				h := HostInput{Name: name, Groups: []string{"k8s"}}
				if a, b := folded.Eval(ctx, f, h), plain.Eval(ctx, f, h); !reflect.DeepEqual(a, b) {
					t.Errorf("%s: folded results differ:\n%v\n%v", name, a, b)
				}
			}
		}
	}
}
