package policies

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"syscall"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// cpuNanos is this process's user+system CPU time: on a shared machine it
// measures the work, where wall time also measures the neighbours.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportRates adds hosts/s (wall) and cpu-hosts/s (CPU time) metrics.
func reportRates(b *testing.B, hosts int, cpu0 int64) {
	b.Helper()
	if el := b.Elapsed().Seconds(); el > 0 {
		b.ReportMetric(float64(hosts)/el, "hosts/s")
	}
	if cpu := float64(cpuNanos()-cpu0) / 1e9; cpu > 0 {
		b.ReportMetric(float64(hosts)/cpu, "cpu-hosts/s")
	}
}

// BenchmarkEval evaluates the whole built-in pack for one host per
// iteration. Run on one core: go test ./policies -bench Eval -cpu 1
func BenchmarkEval(b *testing.B) {
	for _, name := range []string{"rhel7-mitigated", "seed000-centos75-softlockup", "ubuntu2204-cgroupv2"} {
		b.Run(name, func(b *testing.B) {
			e := newEngine(b, Options{})
			f := loadFixture(b, name)
			ctx := context.Background()
			if rs := e.Eval(ctx, f, HostInput{Name: name}); len(rs) != len(kmemIDs) {
				b.Fatalf("%d results", len(rs))
			}
			b.ReportAllocs()
			cpu0 := cpuNanos()
			for b.Loop() {
				e.Eval(ctx, f, HostInput{Name: name, Groups: []string{"k8s"}})
			}
			reportRates(b, b.N, cpu0)
		})
	}
}

// BenchmarkEvalAll evaluates a batch of 256 hosts with GOMAXPROCS workers
// (fleet input included).
func BenchmarkEvalAll(b *testing.B) {
	e := newEngine(b, Options{})
	names := fixtureNames(b)
	in := make([]EvalInput, 256)
	for i := range in {
		n := names[i%len(names)]
		in[i] = EvalInput{Facts: loadFixture(b, n), Host: HostInput{Name: fmt.Sprintf("%s-%d", n, i), Groups: []string{"k8s"}}}
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuNanos()
	for b.Loop() {
		e.EvalAll(ctx, in, 0)
	}
	reportRates(b, b.N*len(in), cpu0)
}

// BenchmarkFactsValue compares the engine's direct input conversion with the
// JSON round trip it replaced.
func BenchmarkFactsValue(b *testing.B) {
	e := newEngine(b, Options{})
	f := loadFixture(b, "rhel7-mitigated")
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.factsValue(f)
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := factsJSONValue(f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOPAFloor is the yardstick for BenchmarkEval: what OPA's
// evaluator costs on this machine, with the same input, for packs far
// simpler than kmem. Each has 13 results (one per check) and nothing else:
// "constant" returns fixed objects; "message" formats one sprintf of two
// facts per result, the least a result naming the values judged can do;
// "input_ref", "rule_ref" and "builtin" put one input reference, one
// (cached) rule reference or one builtin call in each result: the cost of a
// result object that is not constant.
// Run on one core: go test ./policies -run XXX -bench OPAFloor -cpu 1
func BenchmarkOPAFloor(b *testing.B) {
	e := newEngine(b, Options{})
	in := hostValue(e.factsValue(loadFixture(b, "rhel7-mitigated")), HostInput{Name: "h"}, nil)
	for _, c := range []struct{ name, status, message, rules string }{
		{"constant", `"pass"`, `"m"`, ""},
		{"message", `"pass"`, `sprintf("kernel %s, cgroup %s", [input.kernel.release, input.cgroup.mode])`, ""},
		// one step per result: what a single construct costs in a result object
		{"input_ref", `"pass"`, `input.kernel.release`, ""},
		{"rule_ref", `"pass"`, `r`, "r := input.kernel.release\n"}, // evaluated once, then cached
		{"builtin", `"pass"`, `upper(input.kernel.release)`, ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			var mod strings.Builder
			mod.WriteString("package floor\n\n" + c.rules + "results := [")
			for i := range 13 {
				fmt.Fprintf(&mod, "{\"id\": \"c%d\", \"severity\": \"high\", \"status\": %s, \"message\": %s, \"evidence\": {}, \"remediation\": \"\"},\n", i, c.status, c.message)
			}
			mod.WriteString("]\n")
			pq, err := rego.New(rego.Module("floor.rego", mod.String()), rego.Query("data.floor.results")).PrepareForEval(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			cpu0 := cpuNanos()
			for b.Loop() {
				if rs, err := pq.Eval(ctx, rego.EvalParsedInput(in), rego.EvalGenerateJSON(rawTerm)); err != nil || len(rs) != 1 {
					b.Fatal(rs, err)
				}
			}
			reportRates(b, b.N, cpu0)
		})
	}
	b.Run("input", func(b *testing.B) { // facts → Rego input, which every evaluation pays too
		f := loadFixture(b, "rhel7-mitigated")
		b.ReportAllocs()
		cpu0 := cpuNanos()
		for b.Loop() {
			hostValue(e.factsValue(f), HostInput{Name: "h"}, nil)
		}
		reportRates(b, b.N, cpu0)
	})
}

// BenchmarkEvalRules evaluates single rules of the built-in pack for one
// host (rhel7-mitigated): where BenchmarkEval's time goes. Each query also
// pays OPA's per-query set-up (compare _heads, a constant). exprs/op is the
// number of Rego expressions OPA evaluates for the query (its profiler).
// Run on one core: go test ./policies -run XXX -bench EvalRules -cpu 1
func BenchmarkEvalRules(b *testing.B) {
	ctx := context.Background()
	srcs, err := collectSources(nil, false, false)
	if err != nil {
		b.Fatal(err)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		b.Fatal(err)
	}
	compiler := ast.NewCompiler().WithBuiltins(kauditBuiltins()).WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(mods); compiler.Failed() {
		b.Fatal(compiler.Errors)
	}
	store := inmem.NewFromObject(map[string]any{"kaudit": map[string]any{"params": map[string]any{}}})
	consts, err := foldConstants(ctx, compiler, store)
	if err != nil {
		b.Fatal(err)
	}
	e := newEngine(b, Options{})
	in := hostValue(e.factsValue(loadFixture(b, "rhel7-mitigated")), HostInput{Name: "h"}, nil)
	for _, rule := range []string{
		"results", "verdicts", "_heads",
		"r_kernel", "r_accounting", "r_nokmem_boot", "r_boot_drift", "r_memcg_disabled", "r_runc", "r_kubelet",
		"r_memcg_headroom", "r_memcg_zombies", "r_kernel_log", "r_slab_pressure", "r_fragmentation", "r_risk",
		"r_memcg_forecast", "affect", "affect_desc", "nokmem_state", "kmem_switch", "runc_worst", "_runc_ev", "_risk_ev",
	} {
		b.Run(rule, func(b *testing.B) {
			pq, err := rego.New(append([]func(*rego.Rego){rego.Compiler(compiler), rego.Store(store), rego.Query("data.kaudit.kmem." + rule)}, kauditBuiltinOptions()...)...).PrepareForEval(ctx)
			if err != nil {
				b.Fatal(err)
			}
			prof := profiler.New()
			if _, err := pq.Eval(ctx, rego.EvalParsedInput(in), rego.EvalVirtualCache(newFoldedCache(consts)), rego.EvalQueryTracer(prof)); err != nil {
				b.Fatal(err)
			}
			exprs := 0
			for _, r := range prof.ReportTopNResults(-1, []string{"num_eval"}) {
				exprs += r.NumEval
			}
			b.ReportAllocs()
			cpu0 := cpuNanos()
			for b.Loop() {
				if _, err := pq.Eval(ctx, rego.EvalParsedInput(in), rego.EvalVirtualCache(newFoldedCache(consts)), rego.EvalGenerateJSON(rawTerm)); err != nil {
					b.Fatal(err)
				}
			}
			reportRates(b, b.N, cpu0)
			b.ReportMetric(float64(exprs), "exprs/op")
		})
	}
}

// BenchmarkEvalSeeded is BenchmarkEval with groups of the kmem pack's rules
// made free: their values, computed once for the fixture, are put into the
// evaluation's virtual cache the way folded constants are (fold.go), so OPA
// reads them instead of evaluating them. The difference to "none" is the
// most that computing that group elsewhere (in Go, once per host) could
// save; "verdicts" leaves only what every evaluation pays around the checks
// (input conversion, the results array, result conversion).
// Run on one core: go test ./policies -run XXX -bench EvalSeeded -cpu 1
func BenchmarkEvalSeeded(b *testing.B) {
	groups := []struct{ name, rules string }{
		{"none", ""},
		// counts, selections and else-chains over facts, no verdict
		{"facts", "layout kernel_state runc_presence kubelet_presence cmdline_nokmem kmem_in_log runc_driver kmem_observed kubepods_state kernel_ignores_nokmem _kubelet_cmp kubelet_version _docker_vs_ce _rhel7_pre_slab_fix _runc_bins _containers _sigs persisted _num _live _memtotal _sunreclaim _log_source _log_complete kmem_counts active_count inactive_count runc_sample_active runc_sample_inactive _zone_stats boot_relevant"},
		// the shared derived notions of state.rego, verdict-like ones and descriptions included
		{"state", "layout kernel_state affect affect_desc layout_desc kernel_desc kmem_observed kmem_in_log cmdline_nokmem nokmem_state nokmem_desc runc_presence kubelet_presence no_container_stack runc_driver _runc_judged runc_worst runc_side kubelet_verdict kubelet_side kmem_switch kmem_switch_why runc_verdict_desc accounting_desc"},
		{"evidence", "affect_evidence _acc_ev _no_stack_ev _nokmem_ev _drift_ev _md_ev _runc_ev _kubelet_ev _headroom_ev _zombies_ev _log_ev _slab_ev _frag_ev _risk_ev _fc_ev _leak_ev"},
		{"verdicts", "r_kernel r_accounting r_nokmem_boot r_boot_drift r_memcg_disabled r_runc r_kubelet r_memcg_headroom r_memcg_zombies r_kernel_log r_slab_pressure r_fragmentation r_risk r_memcg_forecast"},
	}
	ctx := context.Background()
	e := newEngine(b, Options{})
	p := e.packs[0]
	compiler := ast.NewCompiler().WithBuiltins(kauditBuiltins()).WithDefaultRegoVersion(ast.RegoV1)
	srcs, err := collectSources(nil, false, false)
	if err != nil {
		b.Fatal(err)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		b.Fatal(err)
	}
	if compiler.Compile(mods); compiler.Failed() {
		b.Fatal(compiler.Errors)
	}
	for _, name := range []string{"rhel7-mitigated", "seed000-centos75-softlockup", "ubuntu2204-cgroupv2"} {
		f := loadFixture(b, name)
		in := hostValue(e.factsValue(f), HostInput{Name: name}, nil)
		for _, g := range groups {
			seeded := folded{}
			maps.Copy(seeded, p.consts)
			for _, r := range strings.Fields(g.rules) {
				ref := ast.MustParseRef("data.kaudit.kmem." + r)
				v, err := evalOnce(ctx, append([]func(*rego.Rego){rego.Compiler(compiler), rego.Query(ref.String()), rego.ParsedInput(in), rego.GenerateJSON(rawTerm)}, kauditBuiltinOptions()...))
				if err != nil {
					b.Fatal(err)
				}
				key, _ := foldKey(nil, ref)
				t, _ := v.(*ast.Term)
				seeded[string(key)] = t
			}
			b.Run(name+"/"+g.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := cpuNanos()
				for b.Loop() {
					in := hostValue(e.factsValue(f), HostInput{Name: name}, nil)
					rs, err := p.query.Eval(ctx, rego.EvalParsedInput(in), rego.EvalVirtualCache(newFoldedCache(seeded)), rego.EvalGenerateJSON(resultValue))
					if err != nil || len(rs) != 1 {
						b.Fatal(rs, err)
					}
					if got := p.collect(rs[0].Expressions[0].Value.([]any)); len(got) != len(kmemIDs) {
						b.Fatalf("%d results", len(got))
					}
				}
				reportRates(b, b.N, cpu0)
			})
		}
	}
}
