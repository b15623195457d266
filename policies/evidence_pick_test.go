package policies

import (
	"context"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// pickQuery prepares data.kaudit.lib.evidence.pick(input.doc, input.paths)
// over the embedded library dir: lib/builtin (kaudit's Go builtin) or
// lib/shim (the pure-Rego stand-in plain opa loads).
func pickQuery(t *testing.T, dir string) rego.PreparedEvalQuery {
	t.Helper()
	mods := embeddedModules(t, dir)
	opts := []func(*rego.Rego){rego.Query(`x := data.kaudit.lib.evidence.pick(input.doc, input.paths)`)}
	if dir == libDir {
		opts = append(opts, kauditBuiltinOptions()...)
	}
	for _, m := range mods {
		opts = append(opts, rego.ParsedModule(m))
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pq
}

func pickEval(t *testing.T, pq rego.PreparedEvalQuery, doc, paths *ast.Term) *ast.Term {
	t.Helper()
	in := ast.NewObject([2]*ast.Term{ast.StringTerm("doc"), doc}, [2]*ast.Term{ast.StringTerm("paths"), paths})
	rs, err := pq.Eval(context.Background(), rego.EvalParsedInput(in), rego.EvalGenerateJSON(rawTerm))
	if err != nil {
		t.Fatalf("pick(%v, %v): %v", doc, paths, err)
	}
	if len(rs) == 0 {
		return nil
	}
	return rs[0].Bindings["x"].(*ast.Term)
}

// TestEvidencePickMatchesShim: kaudit.evidence_pick (Go) and the shim's
// object.get comprehension give the same object for every fixture and every
// path list of the pack, plus paths and documents that are odd on purpose.
func TestEvidencePickMatchesShim(t *testing.T) {
	builtin, shim := pickQuery(t, libDir), pickQuery(t, shimDir)
	e := newEngine(t, Options{})
	docs := []*ast.Term{ast.NullTerm(), ast.StringTerm("kernel"), ast.ArrayTerm(ast.StringTerm("a")), ast.ObjectTerm(),
		ast.MustParseTerm(`{"a": {"b": [10, {"c": 1}], "s": {"x"}, "n": null}, "a.b": 2, "": {"": 3}}`)}
	for _, name := range fixtureNames(t) {
		docs = append(docs, ast.NewTerm(hostValue(e.factsValue(loadFixture(t, name)), HostInput{Name: name}, nil)))
	}
	lists := []*ast.Term{
		ast.MustParseTerm(`[]`), ast.MustParseTerm(`set()`), ast.MustParseTerm(`{}`), ast.NullTerm(), ast.StringTerm("kernel.release"),
		ast.MustParseTerm(`["kernel.release", "kernel.release", "nope", "", ".", "a..b", "a.b", "a.b.0", "a.b.1.c", "a.b.9", "a.b.-1", "a.s.x", "a.n", "a.n.x", ".", ".."]`),
		ast.MustParseTerm(`{"kernel.family", "host.name", 1, null, ["kernel"]}`),
		ast.MustParseTerm(`["boot.persisted.0.source", "kmem.containers.0.path", "memory.buddyinfo.0", "sources.runc.error", "kernel.config.CONFIG_MEMCG_KMEM"]`),
	}
	// every constant path list the pack passes to evidence.pick
	for _, m := range embeddedModules(t, builtinDir) {
		ast.WalkTerms(m, func(tm *ast.Term) bool {
			if a, ok := tm.Value.(*ast.Array); ok && a.Len() > 0 && tm.IsGround() {
				if _, ok := a.Elem(0).Value.(ast.String); ok {
					lists = append(lists, tm)
				}
			}
			return false
		})
	}
	for _, doc := range docs {
		for _, paths := range lists {
			got, want := pickEval(t, builtin, doc, paths), pickEval(t, shim, doc, paths)
			if (got == nil) != (want == nil) || (got != nil && !got.Equal(want)) {
				t.Errorf("pick(%.60v, %v): builtin %v, shim %v", doc, paths, got, want)
			}
		}
	}
}

// embeddedModules parses the embedded Rego files of dir.
func embeddedModules(t testing.TB, dir string) map[string]*ast.Module {
	t.Helper()
	srcs, err := embeddedSources(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// TestPathCacheBound: past maxCachedPaths distinct paths the cache stops
// growing, and picks with and without it, from an empty or a full cache,
// are the same.
func TestPathCacheBound(t *testing.T) {
	doc := ast.MustParseTerm(`{"a": {"b": 1}, "k7": {"x": 2}}`)
	c := &pathCache{}
	for round := range 2 { // the second round reads a full cache
		for i := range maxCachedPaths + 50 {
			paths := ast.ArrayTerm(ast.StringTerm("a.b"), ast.StringTerm(fmt.Sprintf("k%d.x", i%100)), ast.StringTerm(fmt.Sprintf("p%d.q", i)))
			if got, want := pickEvidence(c, doc, paths), pickEvidence(nil, doc, paths); !got.Equal(want) {
				t.Fatalf("round %d, %d: cached %v, uncached %v", round, i, got, want)
			}
		}
	}
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n > maxCachedPaths || int(c.n.Load()) != n {
		t.Errorf("cache holds %d paths (counter %d), bound %d", n, c.n.Load(), maxCachedPaths)
	}
}
