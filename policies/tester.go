package policies

import (
	"context"
	"fmt"
	"io"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// RunTests runs the Rego unit tests (test_* rules in *_test.rego files) of
// dirs with OPA's test runner and the kaudit builtins, writing OPA's report to
// w. With no dirs it runs the built-in pack's own tests. The version library
// is always loaded, so user tests can use data.kaudit.lib.version.
func RunTests(ctx context.Context, dirs []string, w io.Writer, verbose bool) (passed, failed int, err error) {
	srcs, err := collectSources(dirs, len(dirs) > 0, true)
	if err != nil {
		return 0, 0, err
	}
	return runTests(ctx, srcs, w, verbose, true)
}

// runTests runs the tests of srcs; withBuiltin registers kaudit's Go
// builtins (false: the sources must bring the Rego shim instead).
func runTests(ctx context.Context, srcs []source, w io.Writer, verbose, withBuiltin bool) (passed, failed int, err error) {
	mods, err := parseSources(srcs)
	if err != nil {
		return 0, 0, err
	}
	r := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetModules(mods).
		CapturePrintOutput(true)
	if withBuiltin {
		r = r.AddCustomBuiltins(testerBuiltins())
	}
	ch, err := r.RunTests(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("run policy tests: %w", err)
	}
	var results []*tester.Result
	for res := range ch {
		results = append(results, res)
		switch {
		case res.Skip:
		case res.Pass():
			passed++
		default:
			failed++
		}
	}
	report := make(chan *tester.Result, len(results))
	for _, res := range results {
		report <- res
	}
	close(report)
	if err := (tester.PrettyReporter{Output: w, Verbose: verbose, FailureLine: true}).Report(report); err != nil {
		return passed, failed, fmt.Errorf("report policy tests: %w", err)
	}
	if passed+failed == 0 {
		return 0, 0, fmt.Errorf("run policy tests: no test_ rules found in %v", dirs(srcs))
	}
	return passed, failed, nil
}

func dirs(srcs []source) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range srcs {
		if !seen[s.origin] {
			seen[s.origin] = true
			out = append(out, s.origin)
		}
	}
	return out
}
