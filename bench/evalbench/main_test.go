package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSizes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"2000,20000", []int{2000, 20000}, true},
		{" 5 ", []int{5}, true},
		{"0", nil, false},
		{"x", nil, false},
		{"10,", nil, false},
	} {
		got, err := parseSizes(tt.in)
		if (err == nil) != tt.ok || len(got) != len(tt.want) {
			t.Errorf("parseSizes(%q) = %v, %v", tt.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseSizes(%q) = %v", tt.in, got)
			}
		}
	}
}

// TestMeasure builds kaudit and genfacts and measures a 30-host eval: the
// figures must be those of a real run (hosts, CPU and RSS measured, the
// report written), whatever their values.
func TestMeasure(t *testing.T) {
	dir := t.TempDir()
	bins := map[string]string{"kaudit": "./cmd/kaudit", "genfacts": "./bench/genfacts"}
	for name, pkg := range bins {
		b := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		b.Dir = "../.."
		if out, err := b.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
	f, err := measure(filepath.Join(dir, "kaudit"), filepath.Join(dir, "genfacts"), "../../testdata/facts", dir, 30)
	if err != nil {
		t.Fatal(err)
	}
	if f.Hosts != 30 || f.CPUS <= 0 || f.PeakRSSMiB <= 1 || f.ReportBytes == 0 || f.FactsBytes == 0 || f.Exit == 0 {
		t.Errorf("figure %+v", f)
	}
	var b bytes.Buffer
	printTable(&b, []Figure{f})
	if !strings.Contains(b.String(), "      30 ") {
		t.Errorf("table:\n%s", b.String())
	}
}
