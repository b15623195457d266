package policies

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// thresholdsFile and thresholdsRule locate the built-in pack's version
// facts: the constant object `thresholds` of package kmem.
const (
	thresholdsFile = builtinDir + "/state.rego"
	thresholdsRule = "thresholds"
)

// Thresholds returns the built-in pack's version facts (the string entries
// of `thresholds` in policies/kmem/state.rego: "runc_safe" = "1.0.0-rc94",
// ...), read from the embedded Rego itself, so that what predicts with them
// outside the pack (kaudit gate's projection) and the checks cannot disagree.
// Entries that are not strings (the kernel backport ranges) are left out.
func Thresholds() (map[string]string, error) {
	b, err := embedded.ReadFile(thresholdsFile)
	if err != nil {
		return nil, fmt.Errorf("read the pack's thresholds: %w", err)
	}
	m, err := ast.ParseModuleWithOpts(thresholdsFile, string(b), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("read the pack's thresholds: parse %s: %w", thresholdsFile, err)
	}
	for _, r := range m.Rules {
		if r.Head.Name.String() != thresholdsRule || r.Head.Value == nil || len(r.Head.Args) > 0 {
			continue
		}
		v, err := ast.JSON(r.Head.Value.Value)
		if err != nil {
			return nil, fmt.Errorf("read the pack's thresholds: %s is not a constant: %w", thresholdsRule, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("read the pack's thresholds: %s is a %T, not an object", thresholdsRule, v)
		}
		out := make(map[string]string, len(obj))
		for k, x := range obj {
			if s, ok := x.(string); ok {
				out[k] = s
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("read the pack's thresholds: no rule %s in %s", thresholdsRule, thresholdsFile)
}
