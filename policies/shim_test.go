package policies

import (
	"context"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kaudit/kaudit/policies/version"
)

// shimCompare evaluates the pure-Rego shim (lib/shim) the way plain `opa`
// would: no kaudit builtin registered.
type shimCompare struct {
	pq rego.PreparedEvalQuery
}

func newShimCompare(t testing.TB) *shimCompare {
	t.Helper()
	mods := embeddedModules(t, shimDir)
	opts := []func(*rego.Rego){rego.Query(`x := data.kaudit.lib.version.compare(input.kind, input.a, input.b)`)}
	for _, m := range mods {
		opts = append(opts, rego.ParsedModule(m))
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &shimCompare{pq: pq}
}

// compare returns the shim's answer; ok is false when it is undefined.
func (s *shimCompare) compare(t testing.TB, kind, a, b string) (int, bool) {
	t.Helper()
	in := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("kind"), ast.StringTerm(kind)},
		[2]*ast.Term{ast.StringTerm("a"), ast.StringTerm(a)},
		[2]*ast.Term{ast.StringTerm("b"), ast.StringTerm(b)},
	)
	rs, err := s.pq.Eval(context.Background(), rego.EvalParsedInput(in))
	if err != nil {
		t.Fatalf("shim %s %q %q: %v", kind, a, b, err)
	}
	if len(rs) == 0 {
		return 0, false
	}
	var c int
	if _, err := fmt.Sscan(fmt.Sprint(rs[0].Bindings["x"]), &c); err != nil {
		t.Fatalf("shim %s %q %q = %v", kind, a, b, rs[0].Bindings["x"])
	}
	return c, true
}

// shimCorpus: the version strings of policies/version's tests and the seeds,
// per kind, plus strings every kind must reject or treat alike.
func shimCorpus() map[string][]string {
	common := []string{"", "1", "x", "v", "1.0.0 ", "1.0.0\t", "1.0.0-", "1.0.0-é", "-1.0", ".5", "1..2", "1.0.0.", "Kubernetes v1.15.5", "runc version 1.0.0"}
	return map[string][]string{
		version.KindRPM: append([]string{
			"3.10.0-1127.19.1.el7.x86_64", "3.10.0-1075.el7", "3.10.0-862.el7.x86_64", "3.10.0-514.el7.x86_64",
			"3.10.0-1160.el7.x86_64", "3.10.0-1160.2.1.el7.x86_64", "3.10.0-1127.el7.x86_64.debug", "3.10.0-957.el7_9",
			"4.18.0-305.el8.aarch64", "1:3.10.0-1", "x:3.10.0-1", "1.0~rc1-1", "1.0^git1-1", "1.0-1", "1.0", "3.10.0-01127.el7",
			"3.10.0-1-2", "el7", "3.10.0-1$", "1.0-1.ppc64le", "1.0-1.ppc64lex",
		}, common...),
		version.KindRunc: append([]string{
			"1.0.0-rc9", "1.0.0-rc10", "1.0.0-rc93", "1.0.0-rc94", "1.0.0", "1.1.5+ds1", "1.0.0-rc3", "1.0.0-rc2",
			"1.0.0-rc5+dev", "1.0.0-rc.94", "1.0.0~rc93+ds1-5", "1.1.12-0ubuntu2~22.04.1", "v1.1.5", "1.0.0-rc92+dev",
			"1.1.7-0ubuntu1~22.04.2", "1.0.0_rc9", "1.2", "1.0.0-dev", "1.0.0-rc2-dev",
		}, common...),
		version.KindDocker: append([]string{
			"18.06.1-ce", "18.09.1", "1.13.1", "20.10.7", "24.0.5", "17.03.0-ce-rc1", "17.03.0-ce", "18.09.0-beta3",
			"23.0.0-rc.1", "1.13.1-208.git7d71120.el7_9", "20.10.25+azure-2", "19.03.14", "19.3.14", "1.13.1-cs9",
			"18.06.1ce", "18.06.1--ce", "20.10.21~ubuntu", "v24.0.0-rc.1",
		}, common...),
		version.KindKubelet: append([]string{
			"v1.15.5", "1.22.0", "1.22", "v1.8.0", "1.8", "v1.7.16", "v1.22.0-rc.0", "v1.21.5-eks-bc4871b",
			"v1.18.3+k3s1", "v1.12.3", "1.14", "v1", "v1.15.5_x", "v1.21.0-beta.1.123+abc", "v1.28.2",
		}, common...),
		version.KindKernel: append([]string{
			"4.4.6", "4.4.18", "4.6.6", "4.7", "4.7.0", "4.7-rc1", "5.15.0-91-generic", "5.15", "2.6.32.71", "2.6.32",
			"3.10.0", "4.4.0", "4", "4.4abc", "5.15.131", "4.6.5", "4.5", "3.10.0-862.el7.x86_64", "4.19.0+1",
		}, common...),
	}
}

// TestShimMatchesBuiltin: on every pair of the corpus, the Rego shim and
// the Go implementation agree (same order; undefined exactly when Go errs).
func TestShimMatchesBuiltin(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: evaluates the Rego shim on every corpus pair")
	}
	s := newShimCompare(t)
	for kind, corpus := range shimCorpus() {
		for _, a := range corpus {
			for _, b := range corpus {
				want, err := version.Compare(kind, a, b)
				got, ok := s.compare(t, kind, a, b)
				switch {
				case err != nil && ok:
					t.Errorf("%s %q %q: shim = %d, Go rejects: %v", kind, a, b, got, err)
				case err == nil && !ok:
					t.Errorf("%s %q %q: shim undefined, Go = %d", kind, a, b, want)
				case err == nil && got != want:
					t.Errorf("%s %q %q: shim = %d, Go = %d", kind, a, b, got, want)
				}
			}
		}
	}
}

// FuzzShimMatchesBuiltin extends TestShimMatchesBuiltin to fuzzed strings.
func FuzzShimMatchesBuiltin(f *testing.F) {
	for kind, corpus := range shimCorpus() {
		for i, a := range corpus {
			f.Add(kind, a, corpus[(i+1)%len(corpus)])
		}
	}
	s := newShimCompare(f)
	f.Fuzz(func(t *testing.T, kind, a, b string) {
		if kind != version.KindRPM && kind != version.KindRunc && kind != version.KindDocker && kind != version.KindKubelet && kind != version.KindKernel {
			return
		}
		want, err := version.Compare(kind, a, b)
		got, ok := s.compare(t, kind, a, b)
		if (err == nil) != ok || (ok && got != want) {
			t.Fatalf("%s %q %q: shim = %d/%v, Go = %d/%v", kind, a, b, got, ok, want, err)
		}
	})
}
