package policies

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/kaudit/kaudit/policies/version"
)

// VersionCompareBuiltin is the name of the Rego builtin kaudit registers:
// kaudit.version_compare(kind, a, b) is -1, 0 or 1 (policies/version.Compare),
// undefined when a or b does not parse as a version of kind. Policies call it
// through data.kaudit.lib.version.compare (lib/builtin/version.rego).
const VersionCompareBuiltin = "kaudit.version_compare"

// EvidencePickBuiltin is the name of the second kaudit builtin:
// kaudit.evidence_pick(doc, paths) is {path: value} for every dotted path
// ("kernel.release") of paths, value being what
// object.get(doc, split(path, "."), null) gives: the evidence object of a
// result in one call instead of one object.get per fact. Policies call it
// through data.kaudit.lib.evidence.pick (lib/builtin/evidence.rego); the shim
// (lib/shim/evidence.rego) is that object.get comprehension.
const EvidencePickBuiltin = "kaudit.evidence_pick"

func versionCompareDecl() *rego.Function {
	return &rego.Function{
		Name:        VersionCompareBuiltin,
		Description: "Orders two version strings of a kind (rpm, runc, docker, kubelet, kernel, semver): -1, 0 or 1; undefined when either does not parse.",
		Decl: types.NewFunction(
			types.Args(
				types.Named("kind", types.S).Description("rpm, runc, docker, kubelet, kernel or semver"),
				types.Named("a", types.S),
				types.Named("b", types.S),
			),
			types.Named("result", types.N).Description("-1, 0 or 1 as a is older than, equal to or newer than b"),
		),
	}
}

// versionCompare implements the builtin. Unparseable input is undefined (nil
// term), not an error: the policy turns it into an unknown result.
func versionCompare(_ rego.BuiltinContext, kind, a, b *ast.Term) (*ast.Term, error) {
	k, ok1 := kind.Value.(ast.String)
	x, ok2 := a.Value.(ast.String)
	y, ok3 := b.Value.(ast.String)
	if !ok1 || !ok2 || !ok3 {
		return nil, nil
	}
	c, err := version.Compare(string(k), string(x), string(y))
	if err != nil {
		return nil, nil //nolint:nilerr // unparseable is undefined by contract
	}
	return ast.IntNumberTerm(c), nil
}

func evidencePickDecl() *rego.Function {
	return &rego.Function{
		Name:        EvidencePickBuiltin,
		Description: `Picks facts by dotted path: {"kernel.release": doc.kernel.release, ...}, null for a path doc does not have.`,
		Decl: types.NewFunction(
			types.Args(
				types.Named("doc", types.A).Description("the document, usually input"),
				types.Named("paths", types.NewAny(types.NewArray(nil, types.A), types.NewSet(types.A))).Description("dotted paths"),
			),
			types.Named("evidence", types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))),
		),
	}
}

// pathCache keeps the split form of the dotted paths evidence_pick has seen
// (the packs' path lists are constants: the same few dozen strings for every
// host), so a path is split and its segments made terms once, not once per
// host. It stops growing at maxCachedPaths distinct paths (a pack building
// paths from input), and is then only read. Safe for concurrent use.
type pathCache struct {
	m sync.Map // string → []*ast.Term
	n atomic.Int32
}

const maxCachedPaths = 4096

func (c *pathCache) segments(p string) []*ast.Term {
	if c != nil {
		if v, ok := c.m.Load(p); ok {
			return v.([]*ast.Term)
		}
	}
	var segs []*ast.Term
	for seg := range strings.SplitSeq(p, ".") {
		segs = append(segs, ast.StringTerm(seg))
	}
	if c != nil && c.n.Load() < maxCachedPaths {
		if _, loaded := c.m.LoadOrStore(p, segs); !loaded {
			c.n.Add(1)
		}
	}
	return segs
}

// pickEvidence implements the builtin exactly as the shim's comprehension
// {p: object.get(doc, split(p, "."), null) | some p in paths} evaluates: a
// doc that is not an object gives {} (object.get fails on every path), a
// path that is not a string is left out (split fails), and the walk is
// object.get's (Term.Get on objects, arrays and sets). c gives the paths'
// segments (nil: split every time).
func pickEvidence(c *pathCache, doc, paths *ast.Term) *ast.Term {
	var list []*ast.Term
	switch p := paths.Value.(type) {
	case *ast.Array:
		list = make([]*ast.Term, 0, p.Len())
		p.Foreach(func(t *ast.Term) { list = append(list, t) })
	case ast.Set:
		list = p.Slice()
	}
	if _, ok := doc.Value.(ast.Object); !ok || len(list) == 0 {
		return ast.ObjectTerm()
	}
	out := ast.NewObjectWithCapacity(len(list))
	for _, t := range list {
		s, ok := t.Value.(ast.String)
		if !ok {
			continue
		}
		curr := doc
		for _, seg := range c.segments(string(s)) {
			if curr = curr.Get(seg); curr == nil {
				break
			}
		}
		if curr == nil {
			curr = ast.NullTerm()
		}
		out.Insert(t, curr) // a repeated path is one key, as in the shim
	}
	return ast.NewTerm(out)
}

// kauditBuiltins are kaudit's Rego builtins, for the compiler.
func kauditBuiltins() map[string]*ast.Builtin {
	out := map[string]*ast.Builtin{}
	for _, d := range []*rego.Function{versionCompareDecl(), evidencePickDecl()} {
		out[d.Name] = &ast.Builtin{Name: d.Name, Description: d.Description, Decl: d.Decl}
	}
	return out
}

// kauditBuiltinOptions register the builtins' implementations on a rego.Rego
// (evidence_pick with a path cache of its own).
func kauditBuiltinOptions() []func(*rego.Rego) {
	paths := &pathCache{}
	return []func(*rego.Rego){
		rego.Function3(versionCompareDecl(), versionCompare),
		rego.Function2(evidencePickDecl(), func(_ rego.BuiltinContext, doc, ps *ast.Term) (*ast.Term, error) {
			return pickEvidence(paths, doc, ps), nil
		}),
	}
}

func testerBuiltins() []*tester.Builtin {
	decls := kauditBuiltins()
	opts := kauditBuiltinOptions()
	return []*tester.Builtin{
		{Decl: decls[VersionCompareBuiltin], Func: opts[0]},
		{Decl: decls[EvidencePickBuiltin], Func: opts[1]},
	}
}
