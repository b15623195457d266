package policies

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/kaudit/kaudit/probes/facts"
)

func TestDerive(t *testing.T) {
	tests := []struct {
		name string
		f    facts.Facts
		want Derived
	}{
		{name: "empty", want: Derived{}},
		{
			name: "kubepods active: container cgroups below it are not runc's",
			f: facts.Facts{Kmem: facts.Kmem{
				Kubepods:        &facts.KmemCgroup{State: "active"},
				ContainersFound: 9, ContainersSampled: 4, ContainersActive: 3, ContainersInactive: 1, ContainersError: 1,
				Containers: []facts.KmemCgroup{
					{Kind: "container", State: "active"}, {Kind: "docker", State: "active"},
					{Kind: "system_slice", State: "inactive"}, {Kind: "pod", State: "active"}, {Kind: "docker", State: "error"},
				},
			}},
			want: Derived{
				KmemCounts:  KmemCounts{Found: 9, Sampled: 4, Active: 3, Inactive: 1, Error: 1},
				ActiveCount: 4, InactiveCount: 1, RuncSampleActive: 1, RuncSampleInactive: 1,
			},
		},
		{
			name: "kubepods inactive: container cgroups count for runc",
			f: facts.Facts{Kmem: facts.Kmem{
				Kubepods:           &facts.KmemCgroup{State: "inactive"},
				ContainersInactive: 2,
				Containers:         []facts.KmemCgroup{{Kind: "container", State: "inactive"}, {Kind: "container", State: "inactive"}, {State: "active"}},
			}},
			want: Derived{KmemCounts: KmemCounts{Inactive: 2}, InactiveCount: 3, RuncSampleInactive: 2},
		},
		{
			name: "buddyinfo: Normal and DMA32 rows with free counts only",
			f: facts.Facts{Memory: facts.Memory{Buddyinfo: []facts.BuddyZone{
				{Node: 0, Zone: "DMA", Free: []int64{1, 1}},
				{Node: 0, Zone: "DMA32", Free: []int64{5, 0, 2, 0}},
				{Node: 1, Zone: "Normal", Free: []int64{0, 0}},
				{Node: 1, Zone: "Normal"},
				{Node: 2, Zone: "Normal", Free: []int64{}},
			}}},
			want: Derived{BuddyZones: []BuddyZoneStats{
				{Node: 0, Zone: "DMA32", MaxOrder: 2, FreeFrom: []int64{7, 2, 2, 0, 0}},
				{Node: 1, Zone: "Normal", MaxOrder: -1, FreeFrom: []int64{0, 0, 0}},
				{Node: 2, Zone: "Normal", MaxOrder: -1, FreeFrom: []int64{0}},
			}},
		},
		{
			name: "boot: /etc/default/grub and default entries decide the next boot",
			f: facts.Facts{Boot: facts.Boot{Persisted: []facts.BootConfig{
				{Kind: "grub_cfg"}, {Kind: "default_grub"}, {Kind: "bls", Default: true}, {Kind: "grubenv"},
			}}},
			want: Derived{BootRelevant: []int{1, 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Derive(&tt.f); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Derive = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// derivedVariants are a fixture and copies of it changed where the derived
// facts look: what the kmem sample, buddyinfo and the boot entries can be.
func derivedVariants(t *testing.T, name string) []*facts.Facts {
	t.Helper()
	muts := []func(f *facts.Facts){
		nil,
		func(f *facts.Facts) { f.Kmem = facts.Kmem{} },
		func(f *facts.Facts) { f.Memory = facts.Memory{} },
		func(f *facts.Facts) { f.Boot = facts.Boot{} },
		func(f *facts.Facts) { f.Kmem.Kubepods = &facts.KmemCgroup{Path: "kubepods", State: "active"} },
		func(f *facts.Facts) { f.Kmem.Kubepods = &facts.KmemCgroup{Path: "kubepods", State: "inactive"} },
		func(f *facts.Facts) { f.Kmem.Kubepods = &facts.KmemCgroup{Path: "kubepods", State: ""} },
		func(f *facts.Facts) {
			f.Kmem.Containers = append(f.Kmem.Containers,
				facts.KmemCgroup{Kind: "container", State: "active"}, facts.KmemCgroup{Kind: "docker", State: "inactive"},
				facts.KmemCgroup{Kind: "system_slice", State: "active"}, facts.KmemCgroup{State: "inactive"})
			f.Kmem.ContainersActive += 7
		},
		func(f *facts.Facts) {
			f.Memory.Buddyinfo = append(f.Memory.Buddyinfo,
				facts.BuddyZone{Node: 3, Zone: "Normal", Free: []int64{0, 0, 0, 0, 0, 0, 0, 0, 4}},
				facts.BuddyZone{Node: 3, Zone: "DMA32", Free: []int64{}},
				facts.BuddyZone{Node: 3, Zone: "DMA32"},
				facts.BuddyZone{Node: 3, Zone: "Movable", Free: []int64{9}})
		},
		func(f *facts.Facts) {
			f.Boot.Persisted = append(f.Boot.Persisted,
				facts.BootConfig{Kind: "default_grub", Nokmem: true}, facts.BootConfig{Kind: "bls", Entry: "x", Default: true, MemcgDisabled: true},
				facts.BootConfig{Kind: "grubby", Default: false})
		},
	}
	var out []*facts.Facts
	for _, m := range muts {
		f := loadFixture(t, name)
		if m != nil {
			m(f)
		}
		out = append(out, f)
	}
	return out
}

// TestDerivedMatchesRego: for every fixture and its variants, input.derived
// (Go) equals what the kmem rules of the same names compute without it, and
// the pack's results are the same with and without it.
func TestDerivedMatchesRego(t *testing.T) {
	ctx := context.Background()
	srcs, err := collectSources(nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		t.Fatal(err)
	}
	compiler := ast.NewCompiler().WithBuiltins(kauditBuiltins()).WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(mods); compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	keys := []string{"kmem_counts", "active_count", "inactive_count", "runc_sample_active", "runc_sample_inactive", "_buddy_zones", "boot_relevant"}
	query := "x := {"
	for i, k := range keys {
		if i > 0 {
			query += ", "
		}
		query += fmt.Sprintf("%q: data.kaudit.kmem.%s", k, k)
	}
	query += "}"
	store := inmem.NewFromObject(map[string]any{"kaudit": map[string]any{"params": map[string]any{}}})
	pq, err := rego.New(append([]func(*rego.Rego){rego.Compiler(compiler), rego.Store(store), rego.Query(query)}, kauditBuiltinOptions()...)...).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, Options{})
	n := 0
	for _, name := range fixtureNames(t) {
		for i, f := range derivedVariants(t, name) {
			fv := e.factsValue(f)
			plain := hostValue(fv, HostInput{Name: name}, nil)
			rs, err := pq.Eval(ctx, rego.EvalParsedInput(plain))
			if err != nil || len(rs) != 1 {
				t.Fatalf("%s/%d: %v %v", name, i, rs, err)
			}
			want, err := ast.InterfaceToValue(rs[0].Bindings["x"])
			if err != nil {
				t.Fatal(err)
			}
			got := derivedValue(Derive(f), fv)
			if got.Value.Compare(want) != 0 {
				t.Errorf("%s/%d: input.derived\n%v\nthe rules compute\n%v", name, i, got, want)
			}
			withD := withDerived(hostValue(fv, HostInput{Name: name}, nil), f, fv)
			if a, b := e.evalInput(ctx, withD), e.evalInput(ctx, plain); !reflect.DeepEqual(a, b) {
				t.Errorf("%s/%d: results differ with input.derived:\n%v\n%v", name, i, a, b)
			}
			n++
		}
	}
	t.Logf("%d inputs", n)
}
