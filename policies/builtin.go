package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/kaudit/kaudit/internal/version"
)

// VersionCompareBuiltin is the name of the Rego builtin kaudit registers:
// kaudit.version_compare(kind, a, b) is -1, 0 or 1 (internal/version.Compare),
// undefined when a or b does not parse as a version of kind. Policies call it
// through data.kaudit.lib.version.compare (lib/builtin/version.rego).
const VersionCompareBuiltin = "kaudit.version_compare"

func versionCompareDecl() *rego.Function {
	return &rego.Function{
		Name:        VersionCompareBuiltin,
		Description: "Orders two version strings of a kind (rpm, runc, docker, kubelet, kernel, semver): -1, 0 or 1; undefined when either does not parse.",
		Decl: types.NewFunction(
			types.Args(
				types.Named("kind", types.S).Description("rpm, runc, docker, kubelet, kernel or semver"),
				types.Named("a", types.S),
				types.Named("b", types.S),
			),
			types.Named("result", types.N).Description("-1, 0 or 1 as a is older than, equal to or newer than b"),
		),
	}
}

// versionCompare implements the builtin. Unparseable input is undefined (nil
// term), not an error: the policy turns it into an unknown result.
func versionCompare(_ rego.BuiltinContext, kind, a, b *ast.Term) (*ast.Term, error) {
	k, ok1 := kind.Value.(ast.String)
	x, ok2 := a.Value.(ast.String)
	y, ok3 := b.Value.(ast.String)
	if !ok1 || !ok2 || !ok3 {
		return nil, nil
	}
	c, err := version.Compare(string(k), string(x), string(y))
	if err != nil {
		return nil, nil //nolint:nilerr // unparseable is undefined by contract
	}
	return ast.IntNumberTerm(c), nil
}

// versionCompareOption registers the builtin on a rego.Rego.
func versionCompareOption() func(*rego.Rego) {
	return rego.Function3(versionCompareDecl(), versionCompare)
}

func versionCompareAST() *ast.Builtin {
	d := versionCompareDecl()
	return &ast.Builtin{Name: d.Name, Description: d.Description, Decl: d.Decl}
}

func testerBuiltins() []*tester.Builtin {
	return []*tester.Builtin{{Decl: versionCompareAST(), Func: versionCompareOption()}}
}
