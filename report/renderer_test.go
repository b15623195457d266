package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
)

func TestNew(t *testing.T) {
	for _, f := range Formats() {
		rd, err := New(f, Options{})
		if err != nil || rd == nil {
			t.Errorf("New(%q) = %v, %v", f, rd, err)
		}
	}
	if _, err := New("yaml", Options{}); err == nil || !strings.Contains(err.Error(), "text, json") {
		t.Errorf("New(yaml) = %v", err)
	}
	rd, _ := New("text", Options{Verbose: true, Width: 70})
	if txt, ok := rd.(*Text); !ok || !txt.Verbose || txt.Width != 70 {
		t.Errorf("text options not passed: %#v", rd)
	}
}

func TestDefaultFile(t *testing.T) {
	want := map[string]string{
		"text": "", "json": "", "junit": "kaudit-junit.xml", "html": "kaudit-report.html",
		"prom": "kaudit.prom", "sarif": "kaudit.sarif", "yaml": "",
	}
	for _, f := range Formats() {
		if _, ok := want[f]; !ok {
			t.Errorf("format %q has no expected default file in this test", f)
		}
	}
	for f, file := range want {
		if got := DefaultFile(f); got != file {
			t.Errorf("DefaultFile(%q) = %q, want %q", f, got, file)
		}
	}
	rd, _ := New("sarif", Options{Describe: func(string) (policies.CheckDoc, bool) { return policies.CheckDoc{}, true }})
	if s, ok := rd.(SARIF); !ok || s.Describe == nil {
		t.Errorf("sarif: Describe not passed: %#v", rd)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")

	// A failed render leaves no file and no temporary behind.
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v", err)
	}
	assertDir(t, dir)

	// A good render writes the file.
	if err := WriteFileAtomic(path, func(w io.Writer) error { return JSON{}.Render(w, finishedSample(t)) }); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(path)
	if err != nil || len(first) == 0 {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	assertDir(t, dir, "report.json")

	// A failed render over an existing report keeps the old one intact.
	if err := WriteFileAtomic(path, func(w io.Writer) error { io.WriteString(w, "{"); return boom }); err == nil {
		t.Fatal("no error")
	}
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("a failed render changed the existing file")
	}
	assertDir(t, dir, "report.json")

	// A missing directory is an error naming the path.
	if err := WriteFileAtomic(filepath.Join(dir, "nope", "r.json"), func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
}

func assertDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("directory holds %v, want %v", got, want)
	}
}
