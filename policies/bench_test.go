package policies

import (
	"context"
	"fmt"
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
// facts per result, the least a result naming the values judged can do.
// Run on one core: go test ./policies -run XXX -bench OPAFloor -cpu 1
func BenchmarkOPAFloor(b *testing.B) {
	e := newEngine(b, Options{})
	in := hostValue(e.factsValue(loadFixture(b, "rhel7-mitigated")), HostInput{Name: "h"}, nil)
	for _, c := range []struct{ name, status, message string }{
		{"constant", `"pass"`, `"m"`},
		{"message", `"pass"`, `sprintf("kernel %s, cgroup %s", [input.kernel.release, input.cgroup.mode])`},
	} {
		b.Run(c.name, func(b *testing.B) {
			var mod strings.Builder
			mod.WriteString("package floor\n\nresults := [")
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
