// Command evalbench measures `kaudit eval` of generated fleets (issue 16's
// N=2,000 and N=20,000 figures): for each N it writes N hosts' facts with
// genfacts, runs `kaudit eval --facts FILE --report json=...` and prints the
// wall time, the CPU time (user + system, from the child's rusage), CPU per
// host, hosts per CPU second and the peak RSS, beside the targets.
//
//	go build -o bin/kaudit ./cmd/kaudit && go build -o bin/genfacts ./bench/genfacts
//	go run ./bench/evalbench -kaudit bin/kaudit -genfacts bin/genfacts -n 2000,20000 -dir out
//
// `make bench-eval` does the same. Nothing is asserted: the figures are
// printed (and written as JSON with -json) for docs/performance.md.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Figure is one measured `kaudit eval`.
type Figure struct {
	Hosts       int     `json:"hosts"`
	WallS       float64 `json:"wall_s"`
	CPUS        float64 `json:"cpu_s"`
	CPUPerHost  float64 `json:"cpu_ms_per_host"`
	HostsPerCPU float64 `json:"hosts_per_cpu_s"`
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	Exit        int     `json:"exit"`
	FactsBytes  int64   `json:"facts_bytes"`
	ReportBytes int64   `json:"report_bytes"`
}

func main() {
	kaudit := flag.String("kaudit", "bin/kaudit", "kaudit binary")
	genfacts := flag.String("genfacts", "bin/genfacts", "genfacts binary (go build ./bench/genfacts)")
	sizes := flag.String("n", "2000,20000", "comma-separated fleet sizes")
	dir := flag.String("dir", "out", "directory for the facts files and reports")
	fixtures := flag.String("fixtures", "testdata/facts", "facts fixtures for genfacts")
	jsonOut := flag.String("json", "", "also write the figures as JSON to this file")
	flag.Parse()
	ns, err := parseSizes(*sizes)
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fail(err)
	}
	var figs []Figure
	for _, n := range ns {
		f, err := measure(*kaudit, *genfacts, *fixtures, *dir, n)
		if err != nil {
			fail(err)
		}
		figs = append(figs, f)
	}
	printTable(os.Stdout, figs)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(figs, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "evalbench:", err)
	os.Exit(1)
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("fleet size %q: want a positive integer", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// measure generates n hosts' facts and times one `kaudit eval` of them.
func measure(kaudit, genfacts, fixtures, dir string, n int) (Figure, error) {
	facts := filepath.Join(dir, fmt.Sprintf("evalbench-facts-%d.json", n))
	rep := filepath.Join(dir, fmt.Sprintf("evalbench-report-%d.json", n))
	gen := exec.Command(genfacts, "-n", strconv.Itoa(n), "-fixtures", fixtures, "-o", facts)
	gen.Stderr = os.Stderr
	if err := gen.Run(); err != nil {
		return Figure{}, fmt.Errorf("generate %d hosts: %w", n, err)
	}
	cmd := exec.Command(kaudit, "eval", "--facts", facts, "--report", "json="+rep)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	fig := Figure{Hosts: n, WallS: wall.Seconds()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() <= 3: // 1: failing checks, 3: incomplete hosts
		fig.Exit = ee.ExitCode()
	default:
		return Figure{}, fmt.Errorf("kaudit eval of %d hosts: %w", n, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return Figure{}, errors.New("no rusage for the kaudit process")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fig.CPUS = cpu.Seconds()
	fig.CPUPerHost = float64(cpu.Microseconds()) / 1000 / float64(n)
	if fig.CPUS > 0 {
		fig.HostsPerCPU = float64(n) / fig.CPUS
	}
	fig.PeakRSSMiB = float64(ru.Maxrss) / 1024 // Linux: KiB
	if st, err := os.Stat(facts); err == nil {
		fig.FactsBytes = st.Size()
	}
	if st, err := os.Stat(rep); err == nil {
		fig.ReportBytes = st.Size()
	}
	return fig, nil
}

func printTable(w io.Writer, figs []Figure) {
	fmt.Fprintln(w, "kaudit eval of generated fleets (bench/genfacts), one run each")
	fmt.Fprintf(w, "%8s %9s %9s %12s %14s %13s %10s %10s\n", "hosts", "wall", "CPU", "CPU/host", "hosts/CPU s", "peak RSS", "facts", "report")
	for _, f := range figs {
		fmt.Fprintf(w, "%8d %8.1fs %8.1fs %10.2fms %14.0f %9.0f MiB %7.1f MB %7.1f MB\n",
			f.Hosts, f.WallS, f.CPUS, f.CPUPerHost, f.HostsPerCPU, f.PeakRSSMiB, float64(f.FactsBytes)/1e6, float64(f.ReportBytes)/1e6)
	}
	fmt.Fprintln(w, "targets (issue 16): 20,000 hosts in <= 20 s CPU and <= 300 MiB peak RSS; pack evaluation >= 2,000 hosts per CPU second")
}
