package inventory

import (
	"path"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// validCheckID reports whether s is a check id or glob: dot-separated
// segments of [a-z0-9_], at least two, with '*' allowed after the first
// ("kmem.kubelet", "kmem.*"). A bare "*" is rejected on purpose: a waiver
// must name the pack it silences.
func validCheckID(s string) bool {
	seg, segs := 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if seg == 0 {
				return false
			}
			seg, segs = 0, segs+1
			continue
		}
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || (c == '*' && segs > 0)
		if !ok {
			return false
		}
		seg++
	}
	return segs >= 2
}

// Expired reports whether the waiver no longer applies at now. A waiver
// with expires = "2026-12-31" applies through the end of that day, UTC.
func (w *Waiver) Expired(now time.Time) bool { return now.After(w.Expires) }

func (r *loadRun) decodeWaiver(d *decl, ds *declared) *Waiver {
	attrs := r.content(d)
	w := &Waiver{DeclRange: toRange(d.def)}
	const checkHelp = "A check id is dot-separated lower-case segments of letters, digits and '_', e.g. \"kmem.kubelet\"; '*' may glob after the first segment (\"kmem.*\")."
	if validCheckID(d.name) {
		w.Checks = append(w.Checks, d.name)
	} else {
		r.errAt(d.nameRange, "Invalid check id", "waiver %q: %s", d.name, checkHelp)
	}
	if a := attrs["checks"]; a != nil {
		for _, e := range r.strElems(d, a) {
			if !validCheckID(e.val) {
				r.errAt(e.expr.Range(), "Invalid check id", "%q: %s", e.val, checkHelp)
				continue
			}
			w.Checks = append(w.Checks, e.val)
		}
	}
	if a := attrs["hosts"]; a != nil {
		for _, e := range r.strElems(d, a) {
			if _, err := path.Match(e.val, ""); err != nil || e.val == "" {
				r.errAt(e.expr.Range(), "Invalid host pattern", "%q is not a valid host name glob (path.Match syntax: *, ?, [a-z]).", e.val)
				continue
			}
			w.Hosts = append(w.Hosts, e.val)
		}
	}
	if a := attrs["groups"]; a != nil {
		names := make([]string, 0, len(ds.groups))
		for _, g := range ds.groups {
			names = append(names, g.d.name)
		}
		for _, e := range r.strElems(d, a) {
			if ds.groupBy[e.val] == nil {
				r.errAt(e.expr.Range(), "Unknown group", "waiver %q names group %q, which is not declared.%s", d.name, e.val, didYouMean(e.val, names))
				continue
			}
			w.Groups = append(w.Groups, e.val)
		}
	}
	w.Reason = r.requiredString(d, attrs, "reason", "Say why the finding is accepted.")
	if a := attrs["owner"]; a != nil {
		w.Owner = r.str(d, a).val
	}
	if a := attrs["ticket"]; a != nil {
		w.Ticket = r.str(d, a).val
	}
	if a := attrs["allow_critical"]; a != nil {
		w.AllowCritical = r.boolean(d, a).val
	}
	if a := attrs["expires"]; a == nil {
		r.errAt(d.def, "Missing expires", "waiver %q needs expires = \"YYYY-MM-DD\": a waiver without an end date is never revisited.", d.name)
	} else if s := r.str(d, a); s.set {
		day, err := time.Parse(time.DateOnly, s.val)
		if err != nil {
			r.errAt(s.rng, "Invalid expires date", "expires = %q is not a date; write YYYY-MM-DD (the waiver holds through the end of that day, UTC).", s.val)
		} else {
			w.Expires = day.Add(24*time.Hour - time.Nanosecond).UTC()
			if w.Expired(r.opts.Now()) {
				r.warnAt(s.rng, "Expired waiver", "waiver %q expired at the end of %s (UTC) and no longer waives anything; extend or remove it.", d.name, s.val)
			}
		}
	}
	return w
}

func (r *loadRun) requiredString(d *decl, attrs hcl.Attributes, name, why string) string {
	a := attrs[name]
	if a == nil {
		r.errAt(d.def, "Missing "+name, "%s %q needs %s = \"...\". %s", d.kind, d.name, name, why)
		return ""
	}
	return r.nonEmpty(d, a).val
}

// decodeParams merges the free-form params blocks into plain Go values.
func (r *loadRun) decodeParams(inv *Inventory, decls []*decl) {
	first := map[string]hcl.Range{}
	for _, d := range decls {
		attrs, diags := d.body.JustAttributes()
		r.diags = append(r.diags, diags...)
		for _, a := range sortedAttrs(attrs) {
			if prev, dup := first[a.Name]; dup {
				r.errAt(a.NameRange, "Duplicate param", "param %q is already set at %s.", a.Name, Pos(prev))
				continue
			}
			first[a.Name] = a.NameRange
			v, diags := a.Expr.Value(d.ctx)
			r.diags = append(r.diags, diags...)
			if diags.HasErrors() || !v.IsWhollyKnown() {
				continue
			}
			inv.Params[a.Name] = ctyToGo(v)
		}
	}
}

// ctyToGo converts a value to float64, string, bool, []any, map[string]any
// or nil.
func ctyToGo(v cty.Value) any {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case t == cty.Bool:
		return v.True()
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyToGo(e))
		}
		return out
	case t.IsMapType() || t.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = ctyToGo(e)
		}
		return out
	}
	return nil
}
