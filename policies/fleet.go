package policies

import (
	"context"
	"runtime"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Fleet-wide packs. A pack sees input.fleet (every host of the batch) only
// when it refers to it by name: some rule that its `results` depends on,
// directly or through other rules and functions, contains a reference
// starting input.fleet. Every other pack is evaluated one host at a time,
// without input.fleet, as soon as that host's facts are there (EvalHost):
// kaudit run does that while it is still collecting from the other hosts,
// and keeps no Rego input alive once a host is evaluated.

// readsFleet reports whether the rules data.kaudit.<pack>.results depends on
// refer to input.fleet.
func readsFleet(c *ast.Compiler, pack string) bool {
	seen := map[*ast.Rule]bool{}
	var stack []*ast.Rule
	for _, r := range c.GetRulesExact(ast.MustParseRef("data.kaudit." + pack + ".results")) {
		stack = append(stack, r)
	}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[r] {
			continue
		}
		seen[r] = true
		if refersToFleet(r) {
			return true
		}
		for dep := range c.Graph.Dependencies(r) {
			if d, ok := dep.(*ast.Rule); ok {
				stack = append(stack, d)
			}
		}
	}
	return false
}

// refersToFleet: the rule contains input.fleet[...] (or input["fleet"]).
func refersToFleet(r *ast.Rule) bool {
	found := false
	ast.WalkRefs(r, func(ref ast.Ref) bool {
		if len(ref) >= 2 && ref[0].Equal(ast.InputRootDocument) && ref[1].Equal(ast.StringTerm("fleet")) {
			found = true
		}
		return found
	})
	return found
}

// NeedsFleet reports whether some loaded pack reads input.fleet, so that
// EvalFleet has work to do once every host is collected.
func (e *Engine) NeedsFleet() bool {
	for _, p := range e.packs {
		if p.fleet {
			return true
		}
	}
	return false
}

// FleetPack reports whether the loaded pack named name reads input.fleet:
// its results depend on every host of the batch, so `kaudit merge`
// recomputes them over the union of the shards.
func (e *Engine) FleetPack(name string) bool {
	for _, p := range e.packs {
		if p.name == name {
			return p.fleet
		}
	}
	return false
}

// EvalHost evaluates, for one host, every pack that does not read
// input.fleet. Safe for concurrent use; the results of EvalHost and
// EvalFleet for a host together are EvalAll's.
func (e *Engine) EvalHost(ctx context.Context, in EvalInput) []Result {
	var out []Result
	var v ast.Object
	for _, p := range e.packs {
		if p.fleet {
			continue
		}
		if v == nil {
			v = withHistory(hostValue(e.factsValue(in.Facts), in.Host, nil), in.History)
		}
		out = append(out, p.eval(ctx, v)...)
	}
	return out
}

// EvalFleet evaluates the packs that read input.fleet for every host of in,
// in parallel (workers <= 0: GOMAXPROCS), each host's input carrying the
// whole batch as input.fleet. Results are in the order of in; without such
// packs every entry is nil.
func (e *Engine) EvalFleet(ctx context.Context, in []EvalInput, workers int) [][]Result {
	out := make([][]Result, len(in))
	if !e.NeedsFleet() || len(in) == 0 {
		return out
	}
	fvs := make([]ast.Object, len(in))
	for i, x := range in {
		fvs[i] = e.factsValue(x.Facts)
	}
	fleet := fleetValue(in, fvs)
	parallel(len(in), workers, func(i int) {
		v := withHistory(hostValue(fvs[i], in[i].Host, fleet), in[i].History)
		for _, p := range e.packs {
			if p.fleet {
				out[i] = append(out[i], p.eval(ctx, v)...)
			}
		}
	})
	return out
}

// EvalAll evaluates every pack for every host, in parallel with up to
// workers goroutines (<= 0: GOMAXPROCS). Results are in the order of in,
// each host's in pack order. Packs that read input.fleet see the whole batch
// there (see docs/policies.md).
func (e *Engine) EvalAll(ctx context.Context, in []EvalInput, workers int) [][]Result {
	out := make([][]Result, len(in))
	parallel(len(in), workers, func(i int) { out[i] = e.EvalHost(ctx, in[i]) })
	for i, rs := range e.EvalFleet(ctx, in, workers) {
		out[i] = e.packOrder(append(out[i], rs...))
	}
	return out
}

// packOrder puts results back in pack order (EvalHost's packs, then
// EvalFleet's, would otherwise interleave them when a fleet pack is loaded
// before another pack). Within a pack the order is kept.
func (e *Engine) packOrder(rs []Result) []Result {
	if !e.NeedsFleet() {
		return rs
	}
	rank := make(map[string]int, len(e.packs))
	for i, p := range e.packs {
		rank[p.name] = i
	}
	out := make([]Result, 0, len(rs))
	for i := range e.packs {
		for _, r := range rs {
			if rank[r.Pack] == i {
				out = append(out, r)
			}
		}
	}
	return out
}

// parallel calls f(0..n-1) on up to workers goroutines (<= 0: GOMAXPROCS).
func parallel(n, workers int, f func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
