// Package testenv decides, in one place, what a test does when a component
// it needs (a program, root, a browser, the test fleet) cannot run on this
// machine: locally it skips and says why; under CI=true it fails, so that a
// CI machine missing something cannot go green by skipping.
//
// Every skip is also appended to the file named by $KAUDIT_TEST_SKIPS (when
// set), one line "what<TAB>why<TAB>test", so that `make test` can say which
// layers it skipped and why.
package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SkipLogEnv names the environment variable holding the skip log's path.
const SkipLogEnv = "KAUDIT_TEST_SKIPS"

// InCI reports whether the tests run under CI=true.
func InCI() bool { return os.Getenv("CI") == "true" }

// Require ends t when err is not nil: what (e.g. "strace") is needed and
// cannot run here, err says why. Locally t is skipped; under CI=true it
// fails. A nil err does nothing.
func Require(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	why := strings.TrimSpace(err.Error())
	if InCI() {
		t.Fatalf("testenv: needs %s: %s (CI=true: a missing component fails; `make deps` installs it)", what, why)
		return
	}
	logSkip(what, why, t.Name())
	t.Skipf("testenv: skipped: needs %s: %s (`make deps` as root installs what is missing)", what, why)
}

// Without records that t runs without what (one of several alternatives,
// e.g. one of the shells it runs the collector under) because of err: locally
// t goes on and logs it; under CI=true t fails. A nil err does nothing.
func Without(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	why := strings.TrimSpace(err.Error())
	if InCI() {
		t.Fatalf("testenv: runs without %s: %s (CI=true: a missing component fails; `make deps` installs it)", what, why)
		return
	}
	logSkip(what, why, t.Name()+" (partly)")
	t.Logf("testenv: runs without %s: %s (`make deps` as root installs what is missing)", what, why)
}

// Program returns the path of the first of names found (a path, or a name
// looked up on PATH); when none is, it ends t through Require, saying which
// Debian package provides it.
func Program(t testing.TB, debPackage string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Require(t, names[0], fmt.Errorf("not found (%s; apt-get install %s)", strings.Join(names, ", "), debPackage))
	return ""
}

// Root ends t through Require unless the test runs as root; why says what
// root is needed for.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Require(t, "root", errors.New(why))
	}
}

// logSkip appends one line to $KAUDIT_TEST_SKIPS. Failing to write it loses
// only the summary line, never the skip itself, so errors are ignored.
func logSkip(what, why, test string) {
	path := os.Getenv(SkipLogEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	clean := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	fmt.Fprintf(f, "%s\t%s\t%s\n", clean(what), clean(why), clean(test))
}

// Processes returns the pids of the processes on this machine whose command
// line contains marker (the calling test process excluded): the proof that a
// test's commands left nothing running.
func Processes(marker string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(d + "/cmdline")
		if err != nil || !bytes.Contains(b, []byte(marker)) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(d))
		if err == nil && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// NoneLeft fails t unless, within 5 s, no process whose command line
// contains marker runs any more; the stragglers are killed so that they do
// not outlive the test.
func NoneLeft(t testing.TB, marker string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := Processes(marker)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			t.Fatalf("%d processes (%q) still run 5 s later: %v", len(left), marker, left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
