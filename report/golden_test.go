package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/reports")

// testdataDir holds this package's fixtures and golden files.
const testdataDir = "../testdata/reports"

// checkGolden compares got with testdata/reports/name, or rewrites it with
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdataDir, name)
	if *update {
		if err := os.MkdirAll(testdataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to create it)", err, t.Name())
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q\n(review, then go test ./report -update)", name, i+1, g, w)
		}
	}
}

// finishedSample is the sample fleet finalized at fail-on high and compared
// with the sample baseline: what the CLI would render.
func finishedSample(t testing.TB) *Report {
	t.Helper()
	r := sampleReport()
	base, err := Read(strings.NewReader(sampleBaselineJSON))
	if err != nil {
		t.Fatal(err)
	}
	Finalize(r, "high")
	r.Baseline = "reports/2026-02-23.json"
	ApplyBaseline(r, base)
	return r
}

func render(t testing.TB, rd Renderer, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := rd.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGoldenText(t *testing.T) {
	gate := sampleGateReport()
	gate.Notices = sampleNotices()
	Finalize(gate, "high")
	for _, tc := range []struct {
		golden string
		opts   Options
		r      *Report
	}{
		{"text.golden", Options{}, finishedSample(t)},
		{"text-verbose.golden", Options{Verbose: true}, finishedSample(t)},
		{"text-color.golden", Options{Verbose: true, Color: true, Width: 120}, finishedSample(t)},
		{"gate-text.golden", Options{Width: 80}, gate},
		{"gate-text-verbose.golden", Options{Verbose: true}, gate},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			rd, err := New("text", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.golden, render(t, rd, tc.r))
		})
	}
}

func TestGoldenJSON(t *testing.T) {
	got := render(t, JSON{}, finishedSample(t))
	checkGolden(t, "fleet.json.golden", got)
}

func TestGoldenJUnit(t *testing.T) {
	got := render(t, JUnit{}, finishedSample(t))
	checkGolden(t, "junit.xml.golden", got)
	gate := sampleGateReport()
	gate.Notices = sampleNotices()
	Finalize(gate, "high")
	checkGolden(t, "gate-junit.xml.golden", render(t, JUnit{}, gate))
}
