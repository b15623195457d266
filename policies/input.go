package policies

import (
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kaudit/kaudit/probes/facts"
)

// HostInput is the inventory's view of a host, exposed to policies as
// input.inventory.
type HostInput struct {
	Name   string
	Groups []string
	Labels map[string]string
}

// EvalInput is one host to evaluate.
type EvalInput struct {
	Facts *facts.Facts // nil: nothing collected (every check is unknown)
	Host  HostInput
	// History is input.history: the host's recorded series (history.Input);
	// nil without a history store.
	History map[string]any
}

// inventoryValue is input.inventory: {"name", "groups", "labels"}.
func inventoryValue(h HostInput) ast.Object {
	groups := make([]*ast.Term, len(h.Groups))
	for i, g := range h.Groups {
		groups[i] = ast.StringTerm(g)
	}
	keys := make([]string, 0, len(h.Labels))
	for k := range h.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	labels := make([][2]*ast.Term, len(keys))
	for i, k := range keys {
		labels[i] = [2]*ast.Term{ast.StringTerm(k), ast.StringTerm(h.Labels[k])}
	}
	return ast.NewObject(
		[2]*ast.Term{ast.StringTerm("name"), ast.StringTerm(h.Name)},
		[2]*ast.Term{ast.StringTerm("groups"), ast.ArrayTerm(groups...)},
		[2]*ast.Term{ast.StringTerm("labels"), ast.NewTerm(ast.NewObject(labels...))},
	)
}

// hostValue builds one host's input document: the facts object's members
// plus "inventory" and, when fleet is not nil, "fleet". The facts object is
// not modified (it may be shared by the fleet document).
func hostValue(fv ast.Object, h HostInput, fleet *ast.Term) ast.Object {
	in := ast.NewObject()
	fv.Foreach(func(k, v *ast.Term) {
		in.Insert(k, v)
	})
	in.Insert(ast.StringTerm("inventory"), ast.NewTerm(inventoryValue(h)))
	if fleet != nil {
		in.Insert(ast.StringTerm("fleet"), fleet)
	}
	return in
}

// fleetValue is input.fleet: {"hosts": [{"name", "groups", "labels", "facts"}]}.
func fleetValue(hosts []EvalInput, fvs []ast.Object) *ast.Term {
	terms := make([]*ast.Term, len(hosts))
	for i, h := range hosts {
		inv := inventoryValue(h.Host)
		var ft *ast.Term
		if h.Facts == nil {
			ft = ast.NullTerm()
		} else {
			ft = ast.NewTerm(fvs[i])
		}
		inv.Insert(ast.StringTerm("facts"), ft)
		terms[i] = ast.NewTerm(inv)
	}
	return ast.ObjectTerm([2]*ast.Term{ast.StringTerm("hosts"), ast.ArrayTerm(terms...)})
}
