package policies

import (
	"context"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Constant folding. A complete rule whose value cannot depend on input (its
// own body and everything it uses, transitively, never read input, use a
// `with`, or call a nondeterministic builtin) has the same value for every
// host of an Engine: the params and the data are fixed by New. New evaluates
// such rules once; every evaluation then finds their values in its virtual
// cache, where OPA looks before evaluating a rule, instead of recomputing
// them per host (the kmem pack's params object, percentages of params,
// threshold products, the lists of evidence paths).

// folded maps the path of a constant rule ("data.kaudit.kmem.params",
// foldKey) to its value; nil when the rule is undefined. Read-only after New.
type folded map[string]*ast.Term

// foldConstants evaluates every constant complete rule of the compiled
// modules. A rule whose evaluation fails is left alone, so each host still
// gets the error.
func foldConstants(ctx context.Context, c *ast.Compiler, store storage.Store) (folded, error) {
	out := folded{}
	for _, path := range constRules(c) {
		pq, err := rego.New(append([]func(*rego.Rego){rego.Compiler(c), rego.Store(store), rego.Query(path.String())}, kauditBuiltinOptions()...)...).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("fold %s: %w", path, err)
		}
		rs, err := pq.Eval(ctx, rego.EvalGenerateJSON(rawTerm))
		if err != nil {
			continue
		}
		key, ok := foldKey(nil, path)
		if !ok {
			continue
		}
		var v *ast.Term
		if len(rs) > 0 && len(rs[0].Expressions) > 0 {
			if v, ok = rs[0].Expressions[0].Value.(*ast.Term); !ok {
				continue
			}
		}
		out[string(key)] = v
	}
	return out, nil
}

// rawTerm keeps OPA's result as the *ast.Term it is (no JSON conversion).
func rawTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// constRules lists the paths of the complete rules (no arguments, ground
// path) whose every definition is constant.
func constRules(c *ast.Compiler) []ast.Ref {
	memo := map[*ast.Rule]bool{}
	var isConst func(r *ast.Rule) bool
	isConst = func(r *ast.Rule) bool {
		if v, ok := memo[r]; ok {
			return v
		}
		memo[r] = false // Rego has no recursion; this only guards malformed input
		ok := !readsVolatile(r)
		for dep := range c.Graph.Dependencies(r) {
			if !ok {
				break
			}
			if d, isRule := dep.(*ast.Rule); !isRule || !isConst(d) {
				ok = false
			}
		}
		memo[r] = ok
		return ok
	}
	seen := map[string]bool{}
	var out []ast.Ref
	for _, name := range sortedModuleNames(c) {
		for _, r := range c.Modules[name].Rules {
			path := r.Path()
			key := path.String()
			if seen[key] || r.Head.RuleKind() != ast.SingleValue || len(r.Head.Args) > 0 || !path.IsGround() {
				continue
			}
			seen[key] = true
			all := true
			for _, def := range c.GetRulesExact(path) {
				if len(def.Head.Args) > 0 || !isConst(def) {
					all = false
					break
				}
			}
			if all {
				out = append(out, path)
			}
		}
	}
	return out
}

// readsVolatile: the rule itself (head, body, else chain) reads input, uses
// `with`, or calls a nondeterministic builtin or print.
func readsVolatile(r *ast.Rule) bool {
	volatile := false
	ast.WalkExprs(r, func(e *ast.Expr) bool {
		volatile = volatile || len(e.With) > 0 || (e.IsCall() && volatileBuiltin(e.Operator()))
		return volatile
	})
	ast.WalkTerms(r, func(t *ast.Term) bool {
		switch x := t.Value.(type) {
		case ast.Var:
			volatile = volatile || x.Equal(ast.InputRootDocument.Value)
		case ast.Call:
			if op, ok := x[0].Value.(ast.Ref); ok {
				volatile = volatile || volatileBuiltin(op)
			}
		}
		return volatile
	})
	return volatile
}

func volatileBuiltin(op ast.Ref) bool {
	name := op.String()
	if name == ast.Print.Name || name == ast.InternalPrint.Name {
		return true
	}
	b, ok := ast.BuiltinMap[name]
	return ok && b.Nondeterministic
}

func sortedModuleNames(c *ast.Compiler) []string {
	names := make([]string, 0, len(c.Modules))
	for n := range c.Modules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// foldKey appends the key of a rule path to buf: "data" and the path's
// strings, NUL-separated; false for a ref that is not such a path (a function
// call's cache key, a ref with a variable).
func foldKey(buf []byte, ref ast.Ref) ([]byte, bool) {
	if len(ref) == 0 || !ref[0].Equal(ast.DefaultRootDocument) {
		return buf, false
	}
	buf = append(buf, "data"...)
	for _, t := range ref[1:] {
		s, ok := t.Value.(ast.String)
		if !ok {
			return buf, false
		}
		buf = append(buf, 0)
		buf = append(buf, s...)
	}
	return buf, true
}

// foldedCache is one evaluation's virtual cache: OPA's own, in front of which
// the folded constants answer for their rules. Under a `with` (a pushed
// frame) the constants step aside: the `with` may replace what they read.
type foldedCache struct {
	topdown.VirtualCache
	consts folded
	depth  int
	key    []byte
}

func newFoldedCache(consts folded) topdown.VirtualCache {
	return &foldedCache{VirtualCache: topdown.NewVirtualCache(), consts: consts}
}

func (c *foldedCache) Push() {
	c.depth++
	c.VirtualCache.Push()
}

func (c *foldedCache) Pop() {
	c.depth--
	c.VirtualCache.Pop()
}

func (c *foldedCache) Get(ref ast.Ref) (*ast.Term, bool) {
	if c.depth == 0 && len(c.consts) > 0 {
		var ok bool
		if c.key, ok = foldKey(c.key[:0], ref); ok {
			if v, found := c.consts[string(c.key)]; found {
				return v, v == nil
			}
		}
	}
	return c.VirtualCache.Get(ref)
}
