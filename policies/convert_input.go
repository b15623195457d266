package policies

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// valueConverter turns Go values into Rego values the way encoding/json
// would encode them (json tags, omitempty, nil slices and maps as null), but
// without the JSON round trip, which cost more than evaluating most checks.
// Its plans are computed once for a root type (facts.Facts) and read-only
// afterwards, so one converter is shared by concurrent evaluations.
type valueConverter struct {
	plans map[reflect.Type]*structPlan
}

type structPlan struct {
	fields []fieldPlan
}

type fieldPlan struct {
	index     int
	key       *ast.Term
	omitempty bool
}

// newValueConverter plans every struct type reachable from root.
func newValueConverter(root reflect.Type) (*valueConverter, error) {
	c := &valueConverter{plans: map[reflect.Type]*structPlan{}}
	if err := c.plan(root); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *valueConverter) plan(t reflect.Type) error {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return c.plan(t.Elem())
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("convert %v: map keys must be strings", t)
		}
		return c.plan(t.Elem())
	case reflect.Struct:
	case reflect.Interface, reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return fmt.Errorf("convert %v: unsupported kind %v", t, t.Kind())
	default:
		return nil
	}
	if _, done := c.plans[t]; done {
		return nil
	}
	p := &structPlan{}
	c.plans[t] = p
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			if f.Anonymous {
				return fmt.Errorf("convert %v: embedded field %s not supported", t, f.Name)
			}
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p.fields = append(p.fields, fieldPlan{index: i, key: ast.StringTerm(name), omitempty: hasOpt(opts, "omitempty")})
		if err := c.plan(f.Type); err != nil {
			return err
		}
	}
	return nil
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// value converts v (of a planned type) to a Rego value.
func (c *valueConverter) value(v reflect.Value) ast.Value {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.NullValue
		}
		return c.value(v.Elem())
	case reflect.Struct:
		p := c.plans[v.Type()]
		pairs := make([][2]*ast.Term, 0, len(p.fields))
		for _, f := range p.fields {
			fv := v.Field(f.index)
			if f.omitempty && isEmpty(fv) {
				continue
			}
			pairs = append(pairs, [2]*ast.Term{f.key, ast.NewTerm(c.value(fv))})
		}
		return ast.NewObject(pairs...)
	case reflect.Slice:
		if v.IsNil() {
			return ast.NullValue
		}
		fallthrough
	case reflect.Array:
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			terms[i] = ast.NewTerm(c.value(v.Index(i)))
		}
		return ast.NewArray(terms...)
	case reflect.Map:
		if v.IsNil() {
			return ast.NullValue
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		pairs := make([][2]*ast.Term, len(keys))
		for i, k := range keys {
			pairs[i] = [2]*ast.Term{ast.StringTerm(k.String()), ast.NewTerm(c.value(v.MapIndex(k)))}
		}
		return ast.NewObject(pairs...)
	case reflect.String:
		return ast.String(v.String())
	case reflect.Bool:
		return ast.Boolean(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.InternedTerm(v.Int()).Value
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.UIntNumberTerm(v.Uint()).Value
	case reflect.Float32, reflect.Float64:
		return ast.FloatNumberTerm(v.Float()).Value
	}
	return ast.NullValue
}

// isEmpty is encoding/json's omitempty test.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
