// Package policies evaluates Rego policy packs over kaudit.facts/v1
// documents: the embedded kmem pack (kmem/*.rego) and user packs loaded with
// -p DIR. The Engine compiles and prepares every pack once and is then safe
// for concurrent use across hosts. docs/policies.md is the packs' contract.
package policies

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/kaudit/kaudit/probes/facts"
)

// Options configure an Engine.
type Options struct {
	// Packs are extra policy directories (-p DIR): Rego v1 files in packages
	// kaudit.<pack> exposing `results` and `checks`.
	Packs []string
	// Params are the inventory params, stored at data.kaudit.params; packs
	// take their defaults from their own code.
	Params map[string]any
	// NoBuiltin leaves out the built-in kmem pack.
	NoBuiltin bool
}

// Engine evaluates the loaded packs. It is immutable after New.
type Engine struct {
	packs  []*pack
	digest string
	conv   *valueConverter // facts.Facts → Rego input, planned once
}

type pack struct {
	name   string
	origin string
	checks []CheckDoc
	index  map[string]int // check id → position in checks
	query  rego.PreparedEvalQuery
	consts folded // constant rules' values (fold.go), shared by all packs
	fleet  bool   // reads input.fleet (fleet.go)
}

// New loads, compiles and prepares every pack once.
func New(ctx context.Context, opts Options) (*Engine, error) {
	srcs, err := collectSources(opts.Packs, opts.NoBuiltin, false)
	if err != nil {
		return nil, err
	}
	mods, err := parseSources(srcs)
	if err != nil {
		return nil, err
	}
	infos, err := findPacks(srcs, mods)
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, errors.New("load policies: no pack defines results (package kaudit.<pack>, rule results)")
	}
	params, err := paramsData(opts.Params)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObjectWithOpts(map[string]any{"kaudit": map[string]any{"params": params}}, inmem.OptRoundTripOnWrite(false))

	compiler := ast.NewCompiler().
		WithBuiltins(kauditBuiltins()).
		WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(mods); compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}

	conv, err := newValueConverter(reflect.TypeFor[facts.Facts]())
	if err != nil {
		return nil, err
	}
	consts, err := foldConstants(ctx, compiler, store)
	if err != nil {
		return nil, err
	}
	e := &Engine{digest: digest(srcs, params), conv: conv}
	for _, pi := range infos {
		p, err := preparePack(ctx, compiler, store, pi)
		if err != nil {
			return nil, err
		}
		p.consts = consts
		p.fleet = readsFleet(compiler, pi.name)
		e.packs = append(e.packs, p)
	}
	return e, nil
}

// paramsData makes the inventory params JSON-shaped (what the store and the
// digest need).
func paramsData(p map[string]any) (map[string]any, error) {
	if p == nil {
		return map[string]any{}, nil
	}
	var out map[string]any
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	if err := util.UnmarshalJSON(b, &out); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return out, nil
}

func preparePack(ctx context.Context, c *ast.Compiler, store storage.Store, pi packInfo) (*pack, error) {
	opts := func(q string) []func(*rego.Rego) {
		return append([]func(*rego.Rego){rego.Compiler(c), rego.Store(store), rego.Query(q)}, kauditBuiltinOptions()...)
	}
	base := "data.kaudit." + pi.name

	meta, err := evalOnce(ctx, opts(base+".checks"))
	if err != nil {
		return nil, fmt.Errorf("pack %s: read checks: %w", pi.name, err)
	}
	if meta == nil {
		return nil, fmt.Errorf("pack %s: %s.checks is undefined: a pack declares its checks (id → title, severity, description, sources, remediation)", pi.name, base)
	}
	checks, err := parseChecks(pi.name, pi.origin, meta)
	if err != nil {
		return nil, err
	}
	perrs, err := evalOnce(ctx, opts(base+".param_errors"))
	if err != nil {
		return nil, fmt.Errorf("pack %s: check params: %w", pi.name, err)
	}
	if list, ok := perrs.([]any); ok && len(list) > 0 {
		msgs := make([]error, 0, len(list))
		for _, m := range list {
			msgs = append(msgs, fmt.Errorf("%v", m))
		}
		return nil, fmt.Errorf("pack %s: invalid params: %w", pi.name, errors.Join(msgs...))
	}

	pq, err := rego.New(opts(base + ".results")...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("pack %s: prepare: %w", pi.name, err)
	}
	p := &pack{name: pi.name, origin: pi.origin, checks: checks, index: make(map[string]int, len(checks)), query: pq}
	for i, c := range checks {
		p.index[c.ID] = i
	}
	return p, nil
}

// evalOnce evaluates a query without input; nil when undefined.
func evalOnce(ctx context.Context, opts []func(*rego.Rego)) (any, error) {
	rs, err := rego.New(opts...).Eval(ctx)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	return rs[0].Expressions[0].Value, nil
}

// digest is sha256 over every policy source (name and text, in name order)
// and the canonical JSON of the params.
func digest(srcs []source, params map[string]any) string {
	sorted := append([]source(nil), srcs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	h := sha256.New()
	for _, s := range sorted {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", s.name, len(s.text), s.text)
	}
	b, _ := json.Marshal(params) // map keys are sorted
	h.Write(b)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Digest identifies the policies and params in effect: "sha256:<hex>".
func (e *Engine) Digest() string { return e.digest }

// Checks lists every check of every pack, built-in pack first, each pack in
// its declared order.
func (e *Engine) Checks() []CheckInfo {
	var out []CheckInfo
	for _, p := range e.packs {
		for _, c := range p.checks {
			out = append(out, c.CheckInfo)
		}
	}
	return out
}

// Describe returns the metadata of one check.
func (e *Engine) Describe(id string) (CheckDoc, bool) {
	for _, p := range e.packs {
		if i, ok := p.index[id]; ok {
			return p.checks[i], true
		}
	}
	return CheckDoc{}, false
}

// Eval evaluates every pack for one host. It never panics and always returns
// one result per declared check: a pack that fails to evaluate, or returns a
// malformed result, yields results with status error naming the pack and the
// problem. f may be nil (every check then reports unknown).
func (e *Engine) Eval(ctx context.Context, f *facts.Facts, h HostInput) []Result {
	return e.evalInput(ctx, hostValue(e.factsValue(f), h, nil))
}

// factsValue converts a facts document to the Rego value of its JSON form,
// the document `opa eval -i facts.json` sees; nil facts are {}.
func (e *Engine) factsValue(f *facts.Facts) ast.Object {
	if f == nil {
		return ast.NewObject()
	}
	return e.conv.value(reflect.ValueOf(f).Elem()).(ast.Object)
}

func (e *Engine) evalInput(ctx context.Context, in ast.Value) []Result {
	var out []Result
	for _, p := range e.packs {
		out = append(out, p.eval(ctx, in)...)
	}
	return out
}

func (e *Engine) errorAll(msg string) []Result {
	var out []Result
	for _, p := range e.packs {
		out = append(out, p.errorResults(msg)...)
	}
	return out
}

// eval runs the pack's query for one input, turning panics and evaluation
// errors into error results.
func (p *pack) eval(ctx context.Context, in ast.Value) (out []Result) {
	defer func() {
		if r := recover(); r != nil {
			out = p.errorResults(fmt.Sprintf("policy pack %s panicked: %v", p.name, r))
		}
	}()
	rs, err := p.query.Eval(ctx, rego.EvalParsedInput(in), rego.EvalVirtualCache(newFoldedCache(p.consts)), rego.EvalGenerateJSON(resultValue))
	if err != nil {
		return p.errorResults(fmt.Sprintf("policy pack %s failed to evaluate: %v", p.name, err))
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return p.errorResults(fmt.Sprintf("policy pack %s: data.kaudit.%s.results is undefined for this host", p.name, p.name))
	}
	list, ok := rs[0].Expressions[0].Value.([]any)
	if !ok {
		return p.errorResults(fmt.Sprintf("policy pack %s: data.kaudit.%s.results is %T, want a set or array of result objects", p.name, p.name, rs[0].Expressions[0].Value))
	}
	return p.collect(list)
}

// resultValue converts the results document with goValue instead of OPA's
// JSON conversion.
func resultValue(t *ast.Term, _ *rego.EvalContext) (any, error) { return goValue(t.Value), nil }

// collect validates the pack's results and returns exactly one per declared
// check, in declared order, followed by error results for results it could
// not attribute (no id, or an id the pack's checks do not declare).
func (p *pack) collect(list []any) []Result {
	byID := make(map[string]Result, len(p.checks))
	count := make(map[string]int, len(p.checks))
	var extra []Result
	for i, v := range list {
		r, err := toResult(v)
		if err != nil {
			id := r.ID
			if id == "" {
				id = fmt.Sprintf("%s.result[%d]", p.name, i)
			}
			e := p.errorResult(id, fmt.Sprintf("policy pack %s returned an invalid result for %s: %v", p.name, id, err))
			if _, known := p.index[id]; known {
				byID[id] = e
				count[id] += 2 // an invalid result is never replaced by a valid one
			} else {
				extra = append(extra, e)
			}
			continue
		}
		r.Pack = p.name
		if r.Title == "" {
			if i, ok := p.index[r.ID]; ok {
				r.Title = p.checks[i].Title
			}
		}
		if _, known := p.index[r.ID]; !known {
			extra = append(extra, p.errorResult(r.ID, fmt.Sprintf("policy pack %s returned a result for %s, which its checks object does not declare", p.name, r.ID)))
			continue
		}
		count[r.ID]++
		if count[r.ID] == 1 {
			byID[r.ID] = r
		}
	}
	out := make([]Result, 0, len(p.checks)+len(extra))
	for _, c := range p.checks {
		switch n := count[c.ID]; {
		case n == 0:
			out = append(out, p.errorResult(c.ID, fmt.Sprintf("policy pack %s produced no result for %s (its rule is undefined for this host)", p.name, c.ID)))
		case n == 1 || byID[c.ID].Status == StatusError:
			out = append(out, byID[c.ID])
		default:
			out = append(out, p.errorResult(c.ID, fmt.Sprintf("policy pack %s produced %d results for %s, want exactly one", p.name, n, c.ID)))
		}
	}
	sort.SliceStable(extra, func(i, j int) bool { return extra[i].ID < extra[j].ID })
	return append(out, extra...)
}

func (p *pack) errorResults(msg string) []Result {
	out := make([]Result, len(p.checks))
	for i, c := range p.checks {
		out[i] = p.errorResult(c.ID, msg)
	}
	return out
}

func (p *pack) errorResult(id, msg string) Result {
	r := Result{ID: id, Title: id, Severity: errorSeverity, Status: StatusError, Message: oneLine(msg), Pack: p.name}
	if i, ok := p.index[id]; ok {
		r.Title, r.Severity = p.checks[i].Title, p.checks[i].Severity
	}
	return r
}
