package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
)

// opaBinary finds a plain `opa` CLI: $KAUDIT_OPA, else opa on PATH. `make
// opa` builds one into bin/ from the OPA module in go.mod, and `make test`
// sets KAUDIT_OPA to it.
func opaBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KAUDIT_OPA"); p != "" {
		_, err := os.Stat(p)
		testenv.Require(t, "opa", err)
		return p
	}
	p, err := exec.LookPath("opa")
	if err != nil {
		testenv.Require(t, "opa", fmt.Errorf("%w (set KAUDIT_OPA or run `make opa`: it builds bin/opa)", err))
	}
	return p
}

// TestPlainOPAEval runs the documented command
//
//	opa eval -d policies/kmem -d policies/lib/shim -i facts.json 'data.kaudit.kmem.results'
//
// on every fixture and expects kaudit's own results (status and message).
func TestPlainOPAEval(t *testing.T) {
	opa := opaBinary(t)
	e := newEngine(t, Options{})
	for _, n := range fixtureNames(t) {
		t.Run(n, func(t *testing.T) {
			out, err := exec.Command(opa, "eval", "--format", "json",
				"-d", "kmem", "-d", filepath.Join("lib", "shim"),
				"-i", filepath.Join(fixtureDir, n+".json"),
				"data.kaudit.kmem.results").Output()
			if err != nil {
				t.Fatalf("opa eval: %v", err)
			}
			var doc struct {
				Result []struct {
					Expressions []struct {
						Value []Result `json:"value"`
					} `json:"expressions"`
				} `json:"result"`
			}
			if err := json.Unmarshal(out, &doc); err != nil || len(doc.Result) != 1 {
				t.Fatalf("opa output: %v: %s", err, out)
			}
			plain := map[string]Result{}
			for _, r := range doc.Result[0].Expressions[0].Value {
				plain[r.ID] = r
			}
			for _, want := range e.Eval(context.Background(), loadFixture(t, n), HostInput{}) {
				got, ok := plain[want.ID]
				if !ok || got.Status != want.Status || got.Message != want.Message {
					t.Errorf("%s: opa %s %q, kaudit %s %q", want.ID, got.Status, got.Message, want.Status, want.Message)
				}
			}
		})
	}
}

// TestPlainOPATest runs `opa test kmem lib/shim`.
func TestPlainOPATest(t *testing.T) {
	opa := opaBinary(t)
	out, err := exec.Command(opa, "test", "kmem", filepath.Join("lib", "shim")).CombinedOutput()
	if err != nil {
		t.Fatalf("opa test: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
