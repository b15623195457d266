package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kaudit/kaudit/probes/facts"
)

// TestPackTests runs the built-in pack's Rego tests (*_test.rego) through
// RunTests, as `kaudit policy test` does.
func TestPackTests(t *testing.T) {
	var out bytes.Buffer
	passed, failed, err := RunTests(context.Background(), nil, &out, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rego tests: %d passed, %d failed", passed, failed)
	if failed > 0 || passed < 90 {
		t.Errorf("rego tests: %d passed, %d failed\n%s", passed, failed, out.String())
	}
	// every check has a pass, fail, unknown and not_applicable test.
	report := out.String()
	for _, id := range kmemIDs {
		name := strings.TrimPrefix(id, "kmem.")
		for _, st := range []string{"pass", "fail", "unknown", "not_applicable"} {
			if !testCovers(report, name, st) {
				t.Errorf("no Rego test named for %s / %s", id, st)
			}
		}
	}
}

// testCovers reports whether a passing test's name mentions the check and the
// status (test_<check>_<status>...).
func testCovers(report, check, status string) bool {
	aliases := map[string][]string{
		"memcg_headroom": {"headroom"}, "memcg_zombies": {"zombies"}, "memcg_disabled": {"memcg_disabled"},
		"kernel_log": {"kernel_log"}, "slab_pressure": {"slab_pressure"}, "nokmem_boot": {"nokmem_boot"},
		"boot_drift": {"boot_drift"},
	}
	names := append([]string{check}, aliases[check]...)
	for _, line := range strings.Split(report, "\n") {
		if !strings.Contains(line, ": PASS") {
			continue
		}
		for _, n := range names {
			if strings.Contains(line, "test_"+n+"_"+status) {
				return true
			}
		}
	}
	return false
}

// TestPackTestsUnderPlainOPA runs the same Rego tests with the pure-Rego
// version shim instead of the Go builtin: what `opa test policies/kmem
// policies/lib/shim` does.
func TestPackTestsUnderPlainOPA(t *testing.T) {
	pack, err := embeddedSources(builtinDir, true)
	if err != nil {
		t.Fatal(err)
	}
	shim, err := embeddedSources(shimDir, false)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	passed, failed, err := runTests(context.Background(), append(pack, shim...), &out, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if failed > 0 || passed == 0 {
		t.Errorf("under the shim: %d passed, %d failed\n%s", passed, failed, out.String())
	}
}

// factsJSONValue is the reference conversion through encoding/json; tests
// compare the engine's direct conversion against it.
func factsJSONValue(f *facts.Facts) (ast.Object, error) {
	if f == nil {
		return ast.NewObject(), nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode facts of %s: %w", f.Host, err)
	}
	v, err := ast.ValueFromReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("convert facts of %s: %w", f.Host, err)
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("convert facts of %s: not an object", f.Host)
	}
	return obj, nil
}

// TestFactsConversion: the engine's direct conversion equals the JSON round
// trip for every fixture and for a document with every field set.
func TestFactsConversion(t *testing.T) {
	e := newEngine(t, Options{})
	docs := map[string]*facts.Facts{"full": fullFacts(), "zero": {}}
	for _, n := range fixtureNames(t) {
		docs[n] = loadFixture(t, n)
	}
	for name, f := range docs {
		want, err := factsJSONValue(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.factsValue(f); got.Compare(want) != 0 {
			t.Errorf("%s: direct conversion differs from JSON:\n got %v\nwant %v", name, got, want)
		}
	}
	if got := e.factsValue(nil); got.Len() != 0 {
		t.Errorf("nil facts = %v, want {}", got)
	}
}

// fullFacts sets every field of facts.Facts (recursively, one element per
// slice and map), so a field added to facts.go is converted or this fails.
func fullFacts() *facts.Facts {
	var f facts.Facts
	fill(reflect.ValueOf(&f).Elem(), 0)
	return &f
}

func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		val := reflect.New(v.Type().Elem()).Elem()
		fill(val, depth+1)
		m.SetMapIndex(reflect.ValueOf("k"+strings.Repeat("x", depth)), val)
		m.SetMapIndex(reflect.ValueOf("a"), reflect.New(v.Type().Elem()).Elem())
		v.Set(m)
	case reflect.String:
		v.SetString("s\n\"é")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(-9007199254740988)
	case reflect.Float64, reflect.Float32:
		v.SetFloat(0.97)
	}
}

// TestEvalAllMatchesEval: the parallel path gives the same results, in order.
func TestEvalAllMatchesEval(t *testing.T) {
	e := newEngine(t, Options{})
	ctx := context.Background()
	var in []EvalInput
	for _, n := range fixtureNames(t) {
		in = append(in, EvalInput{Facts: loadFixture(t, n), Host: HostInput{Name: n, Groups: []string{"g"}, Labels: map[string]string{"role": "node"}}})
	}
	in = append(in, EvalInput{Host: HostInput{Name: "no-facts"}})
	got := e.EvalAll(ctx, in, 3)
	if len(got) != len(in) {
		t.Fatalf("%d result lists for %d hosts", len(got), len(in))
	}
	for i, x := range in {
		want := e.Eval(ctx, x.Facts, x.Host)
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s: EvalAll differs from Eval", x.Host.Name)
		}
	}
	if e.EvalAll(ctx, nil, 0) == nil {
		t.Error("EvalAll(nil) = nil, want an empty list")
	}
}

func TestChecksAndDescribe(t *testing.T) {
	e := newEngine(t, Options{})
	checks := e.Checks()
	if len(checks) != len(kmemIDs) {
		t.Fatalf("%d checks", len(checks))
	}
	for i, c := range checks {
		if c.ID != kmemIDs[i] || c.Pack != BuiltinPack || c.Title == "" || SeverityRank(c.Severity) < 0 {
			t.Errorf("check %d = %+v", i, c)
		}
	}
	d, ok := e.Describe("kmem.runc")
	if !ok || d.Severity != "high" || !strings.Contains(d.Description, "1.0.0-rc94") || len(d.Sources) == 0 ||
		!strings.Contains(d.Remediation, `BUILDTAGS="seccomp nokmem"`) || d.Origin != "builtin" {
		t.Errorf("Describe(kmem.runc) = %+v, %v", d, ok)
	}
	if _, ok := e.Describe("kmem.nope"); ok {
		t.Error("Describe of an unknown id succeeded")
	}
}

func TestDigest(t *testing.T) {
	a := newEngine(t, Options{})
	b := newEngine(t, Options{})
	c := newEngine(t, Options{Params: map[string]any{"memcg_zombies_fail": 100.0}})
	if !strings.HasPrefix(a.Digest(), "sha256:") || len(a.Digest()) != len("sha256:")+64 {
		t.Errorf("digest %q", a.Digest())
	}
	if a.Digest() != b.Digest() {
		t.Error("same policies and params, different digests")
	}
	if a.Digest() == c.Digest() {
		t.Error("params do not change the digest")
	}
}

func TestParams(t *testing.T) {
	ctx := context.Background()
	f := loadFixture(t, "seed003-centos74-kmem-active")
	f.Cgroup.MemoryNumCgroups = ptr(50000)

	def := byID(t, newEngine(t, Options{}).Eval(ctx, f, HostInput{}))["kmem.memcg_headroom"]
	if def.Status != StatusPass || !strings.Contains(def.Message, "approaching") {
		t.Errorf("default: %s: %s", def.Status, def.Message)
	}
	e := newEngine(t, Options{Params: map[string]any{"memcg_headroom_fail": 0.7, "memcg_headroom_warn": 0.5, "acme_threshold": "x"}})
	r := byID(t, e.Eval(ctx, f, HostInput{}))["kmem.memcg_headroom"]
	if r.Status != StatusFail || r.Evidence["params.memcg_headroom_fail"] != 0.7 {
		t.Errorf("overridden: %s: %s %v", r.Status, r.Message, r.Evidence)
	}

	for _, bad := range []map[string]any{
		{"memcg_headroom_fail": "90%"},
		{"memcg_headroom_fail": 1.5},
		{"memcg_headroom_warn": 0.95},
		{"fragmentation_min_order": 0.5},
		{"kernel_log_ignore": []any{1.0}},
		{"memcg_zombies_fail": -1.0},
	} {
		if _, err := New(ctx, Options{Params: bad}); err == nil || !strings.Contains(err.Error(), "invalid params") {
			t.Errorf("params %v: err = %v, want invalid params", bad, err)
		}
	}
}

// TestEvidenceIsPlainJSON: numbers are int64/float64, nulls are dropped.
func TestEvidenceIsPlainJSON(t *testing.T) {
	e := newEngine(t, Options{})
	rs := byID(t, e.Eval(context.Background(), loadFixture(t, "seed002-broken"), HostInput{}))
	ev := rs["kmem.slab_pressure"].Evidence
	if v, ok := ev["memory.meminfo.SUnreclaim"].(int64); !ok || v != 6836344 {
		t.Errorf("SUnreclaim evidence = %#v", ev["memory.meminfo.SUnreclaim"])
	}
	if v, ok := ev["params.slab_unreclaim_fail"].(float64); !ok || v != 0.3 {
		t.Errorf("param evidence = %#v", ev["params.slab_unreclaim_fail"])
	}
	for id, r := range rs {
		for k, v := range r.Evidence {
			if v == nil {
				t.Errorf("%s: evidence %s is null", id, k)
			}
		}
	}
}

func TestInventoryInput(t *testing.T) {
	dir := writePack(t, map[string]string{"inv.rego": `package kaudit.inv

checks := {"inv.labels": {"title": "Host carries a role label", "severity": "low"}}

results contains {"id": "inv.labels", "severity": "low", "status": "pass", "message": sprintf("%s in %v role %s", [input.inventory.name, input.inventory.groups, input.inventory.labels.role])} if {
	input.inventory.labels.role
}

results contains {"id": "inv.labels", "severity": "low", "status": "fail", "message": "no role label"} if {
	not input.inventory.labels.role
}
`})
	e := newEngine(t, Options{Packs: []string{dir}, NoBuiltin: true})
	rs := e.Eval(context.Background(), nil, HostInput{Name: "node-1", Groups: []string{"prod", "k8s"}, Labels: map[string]string{"role": "worker"}})
	if len(rs) != 1 || rs[0].Status != StatusPass || rs[0].Message != `node-1 in ["prod", "k8s"] role worker` || rs[0].Pack != "inv" {
		t.Errorf("results = %+v", rs)
	}
	if rs := e.Eval(context.Background(), nil, HostInput{Name: "node-2"}); rs[0].Status != StatusFail {
		t.Errorf("no labels: %+v", rs)
	}
}

func TestAstObjectShared(t *testing.T) {
	// hostValue must not modify the (fleet-shared) facts object.
	fv := ast.NewObject([2]*ast.Term{ast.StringTerm("host"), ast.StringTerm("a")})
	_ = hostValue(fv, HostInput{Name: "a"}, nil)
	if fv.Len() != 1 {
		t.Errorf("facts object modified: %v", fv)
	}
}

// TestExamplePolicies: examples/policies passes its own Rego tests and, loaded
// with -p, sees the whole batch through input.fleet.
func TestExamplePolicies(t *testing.T) {
	const dir = "../examples/policies"
	var out bytes.Buffer
	passed, failed, err := RunTests(context.Background(), []string{dir}, &out, false)
	if err != nil || failed > 0 || passed == 0 {
		t.Fatalf("example tests: %d passed, %d failed, %v\n%s", passed, failed, err, out.String())
	}

	e := newEngine(t, Options{Packs: []string{dir}})
	if got := len(e.Checks()); got != len(kmemIDs)+1 {
		t.Fatalf("%d checks, want the built-in ones plus uniform.group_kernel", got)
	}
	in := []EvalInput{
		{Facts: loadFixture(t, "seed000-centos75-softlockup"), Host: HostInput{Name: "a", Groups: []string{"prod"}}},
		{Facts: loadFixture(t, "rhel7-mitigated"), Host: HostInput{Name: "b", Groups: []string{"prod"}}},
		{Facts: loadFixture(t, "ubuntu2204-cgroupv2"), Host: HostInput{Name: "c", Groups: []string{"lab"}}},
		{Host: HostInput{Name: "unreached", Groups: []string{"lab"}}},
	}
	want := []string{StatusFail, StatusFail, StatusPass, StatusUnknown}
	for i, rs := range e.EvalAll(context.Background(), in, 2) {
		r := byID(t, rs)["uniform.group_kernel"]
		if r.Status != want[i] || r.Pack != "uniform" {
			t.Errorf("%s: %s %q, want %s", in[i].Host.Name, r.Status, r.Message, want[i])
		}
	}
	// evaluated alone, there is no fleet.
	r := byID(t, e.Eval(context.Background(), in[0].Facts, in[0].Host))["uniform.group_kernel"]
	if r.Status != StatusUnknown {
		t.Errorf("alone: %s %q", r.Status, r.Message)
	}
}
