package inventory

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// isSecretFunc reports whether name is a function through which a password
// may enter the inventory without a warning (env, file).
func isSecretFunc(name string) bool { return name == "env" || name == "file" }

// evalContext returns the functions available in the inventory file
// filename. file() resolves relative paths against that file's directory.
func (l *loadRun) evalContext(filename string) *hcl.EvalContext {
	return &hcl.EvalContext{
		Functions: map[string]function.Function{
			"env":       l.envFunc(),
			"file":      l.fileFunc(filepath.Dir(filename)),
			"lower":     stdlib.LowerFunc,
			"upper":     stdlib.UpperFunc,
			"format":    boundedFormat(),
			"concat":    stdlib.ConcatFunc,
			"merge":     stdlib.MergeFunc,
			"trimspace": stdlib.TrimSpaceFunc,
			"join":      stdlib.JoinFunc,
			"try":       tryfunc.TryFunc,
			"can":       tryfunc.CanFunc,
		},
	}
}

// envFunc is env(NAME): the value of an environment variable. An unset
// variable is an error, never a silent "".
func (l *loadRun) envFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable; fails when it is unset.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			v, ok := l.opts.Getenv(name)
			if !ok {
				return cty.NilVal, fmt.Errorf("environment variable %q is not set", name)
			}
			return cty.StringVal(v), nil
		},
	})
}

// fileFunc is file(PATH): the contents of a file, "~" expanded, relative
// paths taken from the inventory file's directory.
func (l *loadRun) fileFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a file (relative to the inventory file).",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := l.expandHome(args[0].AsString())
			if p == "" {
				return cty.NilVal, fmt.Errorf("empty path")
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(baseDir, p)
			}
			b, err := l.opts.ReadFile(p)
			if err != nil {
				return cty.NilVal, fmt.Errorf("cannot read %s: %w", p, err)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// maxFormatWidth bounds widths and precisions in format(), so a verb such
// as "%999999999d" cannot allocate a gigabyte.
const maxFormatWidth = 1000

// boundedFormat is the cty stdlib format() with widths and precisions
// limited to maxFormatWidth.
func boundedFormat() function.Function {
	return function.New(&function.Spec{
		Description: stdlib.FormatFunc.Description(),
		Params:      stdlib.FormatFunc.Params(),
		VarParam:    stdlib.FormatFunc.VarParam(),
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := checkFormatWidths(args[0].AsString()); err != nil {
				return cty.NilVal, err
			}
			return stdlib.FormatFunc.Call(args)
		},
	})
}

// checkFormatWidths rejects a number above maxFormatWidth inside any
// %-verb of a format string.
func checkFormatWidths(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		n := 0
		for i++; i < len(f) && strings.IndexByte("-+# 0123456789.[]*", f[i]) >= 0; i++ {
			if c := f[i]; c >= '0' && c <= '9' {
				n = n*10 + int(c-'0')
				if n > maxFormatWidth {
					return fmt.Errorf("format widths and precisions are limited to %d", maxFormatWidth)
				}
			} else {
				n = 0
			}
		}
	}
	return nil
}

// expandHome replaces a leading "~" or "~/" with the home directory. Other
// forms ("~user") and a missing HOME leave the path unchanged.
func (l *loadRun) expandHome(p string) string {
	if l.home == "" || (p != "~" && !strings.HasPrefix(p, "~/")) {
		return p
	}
	return filepath.Join(l.home, p[1:])
}
