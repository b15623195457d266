package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeWhole is how the JSON renderer encoded a report before it streamed
// the hosts: the whole document through one json.Encoder.
func encodeWhole(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalized(r)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJSONStreamsSameBytes: host by host, the renderer writes exactly the
// bytes of encoding the whole report, also when strings imitate the hosts
// member or need escaping.
func TestJSONStreamsSameBytes(t *testing.T) {
	hostile := bigReport(3)
	hostile.Inventory = "inv\n  \"hosts\": [],<script>&"
	hostile.Hosts[1].Name = "\n  \"hosts\": []"
	hostile.Hosts[2].Labels = map[string]string{"hosts": "[]", "x": "\u2028<>&\x01"}
	empty := &Report{StartedAt: "2026-03-02T10:15:04Z", Interrupted: true}
	one := bigReport(1)
	for name, r := range map[string]*Report{
		"sample": sampleReport(), "gate": sampleGateReport(), "empty": empty,
		"one": one, "big": bigReport(300), "hostile": hostile,
	} {
		t.Run(name, func(t *testing.T) {
			Finalize(r, "medium")
			var got bytes.Buffer
			if err := (JSON{}).Render(&got, r); err != nil {
				t.Fatal(err)
			}
			if want := encodeWhole(t, r); !bytes.Equal(got.Bytes(), want) {
				i := 0
				for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
					i++
				}
				t.Fatalf("differs at byte %d: got %q, want %q", i, got.Bytes()[max(0, i-40):min(got.Len(), i+40)], want[max(0, i-40):min(len(want), i+40)])
			}
			if !json.Valid(got.Bytes()) {
				t.Error("invalid JSON")
			}
		})
	}
}

// TestJSONRenderLeavesReport: rendering does not change the report.
func TestJSONRenderLeavesReport(t *testing.T) {
	r := bigReport(4)
	Finalize(r, "")
	before := encodeWhole(t, r)
	var b bytes.Buffer
	if err := (JSON{}).Render(&b, r); err != nil {
		t.Fatal(err)
	}
	if len(r.Hosts) != 4 || !bytes.Equal(encodeWhole(t, r), before) {
		t.Error("Render changed the report")
	}
}

// BenchmarkJSONStream2000 renders a 2,000-host report; B/op is what one
// rendering allocates (the document itself is not held).
func BenchmarkJSONStream2000(b *testing.B) {
	r := bigReport(2000)
	Finalize(r, "")
	b.ReportAllocs()
	for b.Loop() {
		if err := (JSON{}).Render(discard{}, r); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
