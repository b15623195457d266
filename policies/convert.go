package policies

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unique"

	"github.com/open-policy-agent/opa/v1/ast"
)

// CheckDoc is a check's full metadata, for `kaudit policy show`.
type CheckDoc struct {
	CheckInfo
	Description string   `json:"description"`
	Sources     []string `json:"sources,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	// Origin is "builtin" or the directory the pack was loaded from.
	Origin string `json:"origin"`
	order  float64
}

// errorSeverity is the severity of an error result whose check is unknown.
const errorSeverity = "high"

// maxMessage caps a result message (policies may quote untrusted text).
const maxMessage = 2000

// parseChecks reads a pack's `checks` object: id → {title, severity,
// description, sources, remediation, order}.
func parseChecks(pack, origin string, v any) ([]CheckDoc, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("pack %s: data.kaudit.%s.checks is %T, want an object of check id → metadata", pack, pack, v)
	}
	var (
		out  []CheckDoc
		errs []error
	)
	for id, raw := range m {
		c, ok := raw.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("check %s: metadata is %T, want an object", id, raw))
			continue
		}
		d := CheckDoc{CheckInfo: CheckInfo{ID: id, Pack: pack}, Origin: origin}
		d.Title, _ = c["title"].(string)
		d.Severity, _ = c["severity"].(string)
		d.Description, _ = c["description"].(string)
		d.Remediation, _ = c["remediation"].(string)
		if s, ok := c["sources"].([]any); ok {
			for _, x := range s {
				if str, ok := x.(string); ok {
					d.Sources = append(d.Sources, str)
				}
			}
		}
		d.order = 1e9
		if o, ok := number(c["order"]); ok {
			d.order = o
		}
		switch {
		case id == "":
			errs = append(errs, errors.New("a check has an empty id"))
		case d.Title == "":
			errs = append(errs, fmt.Errorf("check %s: no title", id))
		case SeverityRank(d.Severity) < 0:
			errs = append(errs, fmt.Errorf("check %s: severity %q is not one of %s", id, d.Severity, strings.Join(Severities, ", ")))
		default:
			out = append(out, d)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("pack %s: %w", pack, errors.Join(errs...))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pack %s: data.kaudit.%s.checks declares no check", pack, pack)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].order != out[j].order {
			return out[i].order < out[j].order
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// policyStatus reports whether s is a status a policy may return; waived and
// error are the engine's and the gate's.
func policyStatus(s string) bool {
	switch s {
	case StatusPass, StatusFail, StatusUnknown, StatusNotApplicable:
		return true
	}
	return false
}

// toResult validates one element of a pack's results and converts it.
func toResult(v any) (Result, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Result{}, fmt.Errorf("result is %T, want an object", v)
	}
	var r Result
	var problems []string
	str := func(key string, required bool) string {
		x, present := m[key]
		s, ok := x.(string)
		switch {
		case !present && required:
			problems = append(problems, "missing "+key)
		case present && !ok:
			problems = append(problems, fmt.Sprintf("%s is %T, want a string", key, x))
		}
		return s
	}
	r.ID = str("id", true)
	r.Title = str("title", false)
	r.Severity = str("severity", true)
	r.Status = str("status", true)
	r.Message = str("message", false)
	r.Remediation = str("remediation", false)
	if r.ID == "" && !containsPrefix(problems, "missing id") {
		problems = append(problems, "empty id")
	}
	if r.Status != "" && !policyStatus(r.Status) {
		problems = append(problems, fmt.Sprintf("status %q is not pass, fail, unknown or not_applicable", r.Status))
	}
	if r.Severity != "" && SeverityRank(r.Severity) < 0 {
		problems = append(problems, fmt.Sprintf("severity %q is not one of %s", r.Severity, strings.Join(Severities, ", ")))
	}
	if ev, present := m["evidence"]; present && ev != nil {
		obj, ok := ev.(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("evidence is %T, want an object", ev))
		} else {
			for k, v := range obj { // obj is this evaluation's own (goValue)
				if v == nil { // null: the fact was not collected
					delete(obj, k)
				}
			}
			r.Evidence = obj
		}
	}
	if len(problems) > 0 {
		return r, errors.New(strings.Join(problems, "; "))
	}
	r.Message = oneLine(r.Message)
	return r, nil
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// oneLine keeps a message on one line and bounded.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxMessage {
		s = s[:maxMessage] + "…"
	}
	return s
}

// goValue converts a Rego value of a pack's results to the Go value the
// report holds: what OPA's own conversion gives (objects → map[string]any,
// arrays and sets → []any, a non-string key → its JSON text), except that
// numbers are int64 when integral, else float64, and every string is
// interned (unique.Make): the titles, messages, remediation texts and
// evidence keys of 2,000 hosts are mostly the same few thousand strings, and
// the report keeps them all until it is written.
func goValue(v ast.Value) any {
	switch x := v.(type) {
	case ast.Null:
		return nil
	case ast.Boolean:
		return bool(x)
	case ast.Number:
		n := json.Number(x)
		if i, err := n.Int64(); err == nil {
			return i
		}
		if f, err := n.Float64(); err == nil {
			return f
		}
		return intern(string(x))
	case ast.String:
		return intern(string(x))
	case *ast.Array:
		out := make([]any, x.Len())
		for i := range x.Len() {
			out[i] = goValue(x.Elem(i).Value)
		}
		return out
	case ast.Set:
		out := make([]any, 0, x.Len())
		x.Foreach(func(t *ast.Term) { out = append(out, goValue(t.Value)) })
		return out
	case ast.Object:
		out := make(map[string]any, x.Len())
		x.Foreach(func(k, v *ast.Term) {
			key, ok := k.Value.(ast.String)
			if !ok {
				b, _ := json.Marshal(goValue(k.Value))
				key = ast.String(b)
			}
			out[intern(string(key))] = goValue(v.Value)
		})
		return out
	}
	return intern(v.String()) // not produced by evaluation (refs, calls); kept printable
}

func intern(s string) string { return unique.Make(s).Value() }
