package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMain lets the test binary act as the measuring wrapper, as fleetbench
// re-executes itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == measureArg {
		if err := runMeasure(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunMeasure runs a command that exits 3 and leaves a daemonised
// process behind (setsid, re-parented to the wrapper) that ignores SIGTERM
// and writes a file when done: the wrapper must wait for it and count it.
func TestRunMeasure(t *testing.T) {
	dir := t.TempDir()
	done, ready := filepath.Join(dir, "orphan-done"), filepath.Join(dir, "orphan-ready")
	// The command waits until the orphan ignores SIGTERM, then exits.
	script := `(setsid sh -c 'trap "" TERM; : > ` + ready + `; i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; echo ok > ` + done + `' &); ` +
		`while [ ! -e ` + ready + ` ]; do sleep 0.01; done; echo out; echo err >&2; exit 3`
	res := filepath.Join(dir, "usage.json")
	cmd := exec.Command(os.Args[0], measureArg, res, filepath.Join(dir, "o"), filepath.Join(dir, "e"), "10ms", "--", "sh", "-c", script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wrapper: %v\n%s", err, out)
	}
	var u Usage
	data, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &u); err != nil {
		t.Fatal(err)
	}
	if u.Exit != 3 {
		t.Errorf("exit %d, want 3", u.Exit)
	}
	if u.Leftovers != 1 {
		t.Errorf("leftovers %d, want 1 (the daemonised sh)", u.Leftovers)
	}
	if b, err := os.ReadFile(done); err != nil || string(b) != "ok\n" {
		t.Errorf("the daemonised process was not waited for: %v", err)
	}
	if u.WallNS <= 0 || u.CPU() <= 0 || u.MaxRSSKB <= 0 || u.Samples < 1 {
		t.Errorf("usage %+v", u)
	}
	for name, want := range map[string]string{"o": "out\n", "e": "err\n"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Errorf("%s = %q, want %q", name, b, want)
		}
	}
	if err := exec.Command(os.Args[0], measureArg, "too", "few").Run(); err == nil {
		t.Error("bad wrapper arguments accepted")
	}
}

func TestParseProcStat(t *testing.T) {
	for _, tc := range []struct {
		line string
		want procStat
		ok   bool
	}{
		{"1234 (ssh) S 1200 1234 1234 0 -1", procStat{1234, 1200}, true},
		{"77 (a) b (c)) R 5 77 77", procStat{77, 5}, true},
		{"88 (with space) S 1 88", procStat{88, 1}, true},
		{"garbage", procStat{}, false},
		{"9 (x)", procStat{}, false},
		{"x (y) S 1", procStat{}, false},
	} {
		got, ok := parseProcStat(tc.line)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseProcStat(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDescendants(t *testing.T) {
	procs := []procStat{{1, 0}, {10, 1}, {11, 10}, {12, 10}, {13, 12}, {20, 1}}
	got := descendants(10, procs)
	want := map[int]bool{11: true, 12: true, 13: true}
	if len(got) != len(want) {
		t.Fatalf("descendants = %v", got)
	}
	for _, p := range got {
		if !want[p] {
			t.Errorf("unexpected %d", p)
		}
	}
	if len(descendants(13, procs)) != 0 {
		t.Error("a leaf has no descendants")
	}
}

func TestParsePss(t *testing.T) {
	doc := "55d0-7ff [rollup]\nRss:                9216 kB\nPss:                4321 kB\nPss_Anon:           1000 kB\n"
	if got := parsePss([]byte(doc)); got != 4321 {
		t.Errorf("parsePss = %d", got)
	}
	if got := parsePss([]byte("Rss: 1 kB\n")); got != 0 {
		t.Errorf("no Pss line: %d", got)
	}
	if pssKB(os.Getpid()) <= 0 {
		t.Error("own Pss not readable")
	}
}
