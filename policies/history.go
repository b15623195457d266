package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// withHistory adds input.history (the host's recorded series and the fits
// of its counters, built by the history package; docs/policies.md) to a
// host's input document. Without a history store there is no
// input.history, and the checks that need it report unknown.
func withHistory(in ast.Object, hist map[string]any) ast.Object {
	if hist == nil {
		return in
	}
	v, err := ast.InterfaceToValue(hist)
	if err != nil {
		// only JSON-like values are given; a value that does not convert is
		// left out, and the checks see no history
		return in
	}
	in.Insert(ast.StringTerm("history"), ast.NewTerm(v))
	return in
}
