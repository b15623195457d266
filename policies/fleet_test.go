package policies

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// fleetPack is a one-check pack whose result is computed by body (Rego, in
// package kaudit.<name>, defining `n`).
func fleetPack(name, body string) string {
	return "package kaudit." + name + `

checks := {"` + name + `.n": {"title": "n", "severity": "low"}}

results := [{"id": "` + name + `.n", "severity": "low", "status": "pass", "message": sprintf("n=%v", [n])}]

` + body
}

func TestReadsFleet(t *testing.T) {
	for _, c := range []struct {
		name, body string
		extra      map[string]string
		want       bool
	}{
		{"direct", `n := count(input.fleet.hosts)`, nil, true},
		{"bracket", `n := count(input["fleet"].hosts)`, nil, true},
		{"viarule", "n := m\nm := x if { some x in [count(input.fleet.hosts)] }", nil, true},
		{"viafunc", "n := f(1)\nf(x) := x + count(input.fleet.hosts)", nil, true},
		{"viaelse", "n := 1 if { input.nothing } else := count(input.fleet.hosts)", nil, true},
		{"vialib", "import data.kaudit.pvialib.util\nn := util.size", map[string]string{"util.rego": "package kaudit.pvialib.util\n\nsize := count(input.fleet.hosts)\n"}, true},
		{"host", `n := input.inventory.name`, nil, false},
		{"unused", "n := 1\nunused := input.fleet", nil, false},
		// documented: only a reference spelled input.fleet counts
		{"objectget", `n := object.get(input, ["fleet", "hosts"], [])`, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"p.rego": fleetPack("p"+c.name, c.body)}
			for k, v := range c.extra {
				files[k] = v
			}
			e := newEngine(t, Options{Packs: []string{writePack(t, files)}})
			if got := e.NeedsFleet(); got != c.want {
				t.Errorf("NeedsFleet = %v, want %v", got, c.want)
			}
			if e.packs[0].fleet {
				t.Error("the built-in pack reads input.fleet")
			}
		})
	}
	if newEngine(t, Options{}).NeedsFleet() {
		t.Error("built-in pack alone: NeedsFleet")
	}
}

// TestEvalHostAndFleet: EvalHost + EvalFleet are EvalAll, in pack order, and
// only fleet packs see input.fleet.
func TestEvalHostAndFleet(t *testing.T) {
	ctx := context.Background()
	dir := writePack(t, map[string]string{
		"a.rego": fleetPack("afleet", `n := count(input.fleet.hosts)`),
		"z.rego": fleetPack("zhost", `n := object.get(input, ["fleet", "hosts"], "absent")`),
	})
	e := newEngine(t, Options{Packs: []string{dir, "../examples/policies"}})
	var in []EvalInput
	for _, n := range fixtureNames(t) {
		in = append(in, EvalInput{Facts: loadFixture(t, n), Host: HostInput{Name: n, Groups: []string{"g"}}})
	}
	in = append(in, EvalInput{Host: HostInput{Name: "no-facts"}})
	all := e.EvalAll(ctx, in, 2)
	fleet := e.EvalFleet(ctx, in, 2)
	for i, x := range in {
		host := e.EvalHost(ctx, x)
		rs := byID(t, all[i])
		if got := rs["afleet.n"].Message; got != fmt.Sprintf("n=%d", len(in)) {
			t.Errorf("%s: afleet %q", x.Host.Name, got)
		}
		if got := rs["zhost.n"].Message; got != "n=absent" {
			t.Errorf("%s: zhost %q: a pack without input.fleet saw the fleet", x.Host.Name, got)
		}
		if _, ok := byID(t, host)["afleet.n"]; ok {
			t.Errorf("%s: EvalHost evaluated a fleet pack", x.Host.Name)
		}
		if len(host)+len(fleet[i]) != len(all[i]) || len(fleet[i]) != 2 {
			t.Errorf("%s: %d host + %d fleet results, EvalAll %d", x.Host.Name, len(host), len(fleet[i]), len(all[i]))
		}
		// pack order: afleet, kmem..., uniform, zhost (packs sorted by name, built-in first)
		var order []string
		for _, r := range all[i] {
			if len(order) == 0 || order[len(order)-1] != r.Pack {
				order = append(order, r.Pack)
			}
		}
		if want := []string{BuiltinPack, "afleet", "uniform", "zhost"}; !reflect.DeepEqual(order, want) {
			t.Errorf("%s: pack order %v, want %v", x.Host.Name, order, want)
		}
		if want := e.Eval(ctx, x.Facts, x.Host); !reflect.DeepEqual(byID(t, host)["kmem.risk"], byID(t, want)["kmem.risk"]) {
			t.Errorf("%s: EvalHost's kmem.risk differs from Eval's", x.Host.Name)
		}
	}
}
