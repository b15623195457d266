package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how Require ended it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return "TestX/sub" }
func (r *recorder) Skipf(f string, a ...any)  { r.skipped = sprintf(f, a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = sprintf(f, a...) }
func sprintf(f string, a ...any) string       { return strings.TrimSpace(fmt.Sprintf(f, a...)) }

func TestRequire(t *testing.T) {
	for _, tc := range []struct {
		name, ci           string
		err                error
		wantSkip, wantFail bool
		wantLog            string
	}{
		{name: "present", err: nil},
		{name: "present in CI", ci: "true", err: nil},
		{name: "missing locally", err: errors.New("not found\n(apt-get install strace)"), wantSkip: true,
			wantLog: "strace\tnot found (apt-get install strace)\tTestX/sub\n"},
		{name: "missing in CI", ci: "true", err: errors.New("not found"), wantFail: true},
		{name: "CI other than true skips", ci: "1", err: errors.New("not found"), wantSkip: true,
			wantLog: "strace\tnot found\tTestX/sub\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			log := filepath.Join(t.TempDir(), "skips")
			t.Setenv(SkipLogEnv, log)
			r := &recorder{TB: t}
			Require(r, "strace", tc.err)
			if (r.skipped != "") != tc.wantSkip || (r.failed != "") != tc.wantFail {
				t.Fatalf("skipped %q, failed %q; want skip %v, fail %v", r.skipped, r.failed, tc.wantSkip, tc.wantFail)
			}
			if tc.wantSkip && !strings.Contains(r.skipped, "testenv: skipped: needs strace") {
				t.Errorf("skip message %q does not say what is missing", r.skipped)
			}
			got, _ := os.ReadFile(log)
			if string(got) != tc.wantLog {
				t.Errorf("skip log %q, want %q", got, tc.wantLog)
			}
		})
	}
}

func TestProgram(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv(SkipLogEnv, "")
	r := &recorder{TB: t}
	if p := Program(r, "nothing", "kaudit-no-such-program", "sh"); p == "" || r.skipped != "" {
		t.Fatalf("Program found %q (skipped %q); want sh's path", p, r.skipped)
	}
	r = &recorder{TB: t}
	if p := Program(r, "pkg-x", "kaudit-no-such-program"); p != "" || !strings.Contains(r.skipped, "apt-get install pkg-x") {
		t.Fatalf("Program = %q, skipped %q; want a skip naming the package", p, r.skipped)
	}
}
