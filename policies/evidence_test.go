package policies

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestResultWire: resultWire has Result's encoded members, in order, with
// the same tags (but for evidence's type), so a compacted result encodes as
// the map did.
func TestResultWire(t *testing.T) {
	rt, wt := reflect.TypeFor[Result](), reflect.TypeFor[resultWire]()
	var exported []reflect.StructField
	for i := range rt.NumField() {
		if f := rt.Field(i); f.IsExported() {
			exported = append(exported, f)
		}
	}
	if len(exported) != wt.NumField() {
		t.Fatalf("Result has %d encoded fields, resultWire %d", len(exported), wt.NumField())
	}
	for i, f := range exported {
		w := wt.Field(i)
		if f.Name != w.Name || f.Tag != w.Tag {
			t.Errorf("field %d: Result %s %q, resultWire %s %q", i, f.Name, f.Tag, w.Name, w.Tag)
		}
		if f.Name != "Evidence" && f.Type != w.Type {
			t.Errorf("field %s: Result %s, resultWire %s", f.Name, f.Type, w.Type)
		}
	}
}

func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  Result
	}{
		{"no evidence", Result{ID: "a", Status: StatusPass}},
		{"empty evidence", Result{ID: "a", Evidence: map[string]any{}}},
		{"values", Result{
			ID: "kmem.x", Title: "T <b>", Severity: "high", Status: StatusFail, Message: "m & n", Remediation: "r",
			Pack: "kmem", Baseline: "new", Predicted: true,
			Waiver: &WaiverRef{Reason: "why", Expires: "2027-01-01", OriginalStatus: StatusFail},
			Evidence: map[string]any{
				"b": int64(1 << 53), "a": 0.1, "c": 1e21, "d": "<script>&", "e": nil, "f": true,
				"g": []any{int64(1), "x", map[string]any{"z": 2.5, "y": []any{}}},
				"h": map[string]string{"k": "v"},
			},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.MarshalIndent(tc.res, "  ", "  ")
			if err != nil {
				t.Fatal(err)
			}
			wantPairs := evidenceText(tc.res.Evidence)
			c := tc.res
			if err := c.Compact(); err != nil {
				t.Fatal(err)
			}
			if len(tc.res.Evidence) > 0 && (c.Evidence != nil || !c.Packed()) {
				t.Errorf("Compact kept the map (packed %v)", c.Packed())
			}
			if err := c.Compact(); err != nil { // twice: nothing changes
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(c, "  ", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("compacted encodes as\n%s\nwant\n%s", got, want)
			}
			if g := evidenceText(c.EvidenceMap()); !reflect.DeepEqual(g, wantPairs) {
				t.Errorf("EvidenceMap values encode as %v, want %v", g, wantPairs)
			}
		})
	}
}

// evidenceText is every evidence value's JSON text, by key: what the
// renderers print.
func evidenceText(ev map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range ev {
		b, _ := json.Marshal(v)
		out[k] = string(b)
	}
	return out
}
