// Command historyseed gives `make demo` a history to forecast from: it runs
// kaudit over a running test fleet three times with one host's memory
// num_cgroups raised between runs, shifts each JSON report back by 3, 2 and
// 1 days (the run's and the facts' times) and imports it into the store.
// The fixture file it edits is the fleet's copy (replaced, never written in
// place), so the repository's fixtures are untouched.
//
//	historyseed -state out/fleet.json -kaudit bin/kaudit -history out/history.db \
//	    -host seed003-centos78 -counts 44000,48000,52000,56000
//
// The last count is left in place for the demo's live run.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "historyseed: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	state := flag.String("state", "out/fleet.json", "fleet state file (testfleet up --state)")
	bin := flag.String("kaudit", "bin/kaudit", "kaudit binary")
	store := flag.String("history", "out/history.db", "history store to seed")
	host := flag.String("host", "seed003-centos78", "fleet host whose num_cgroups grows")
	countsFlag := flag.String("counts", "44000,48000,52000,56000", "num_cgroups before each seeded run, then for the live run")
	flag.Parse()
	var counts []int
	for _, s := range strings.Split(*countsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return fmt.Errorf("-counts %q: want non-negative integers", *countsFlag)
		}
		counts = append(counts, n)
	}
	if len(counts) < 2 {
		return fmt.Errorf("-counts: want at least two counts")
	}
	fl, err := testfleet.Load(*state)
	if err != nil {
		return err
	}
	h, err := fl.Host(*host)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "historyseed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	seeded := len(counts) - 1
	for i := range seeded {
		if err := setNumCgroups(filepath.Join(h.Root, "proc/cgroups"), counts[i]); err != nil {
			return err
		}
		js := filepath.Join(tmp, fmt.Sprintf("run-%d.json", i))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := fl.Command(ctx, *bin, "run", "-i", fl.Inventory, "--report", "json="+js) // every host: the others are flat
		out, err := cmd.CombinedOutput()
		cancel()
		if _, statErr := os.Stat(js); statErr != nil {
			return fmt.Errorf("kaudit run %d: %v\n%s", i, err, out)
		}
		shifted := filepath.Join(tmp, fmt.Sprintf("shifted-%d.json", i))
		if err := shift(js, shifted, time.Duration(seeded-i)*24*time.Hour); err != nil {
			return err
		}
		imp := fl.Command(context.Background(), *bin, "history", "import", "--history", *store, shifted)
		if out, err := imp.CombinedOutput(); err != nil {
			return fmt.Errorf("kaudit history import: %v\n%s", err, out)
		}
		fmt.Printf("historyseed: %s num_cgroups %d recorded as %d day(s) ago\n", *host, counts[i], seeded-i)
	}
	if err := setNumCgroups(filepath.Join(h.Root, "proc/cgroups"), counts[seeded]); err != nil {
		return err
	}
	fmt.Printf("historyseed: %s num_cgroups is now %d\n", *host, counts[seeded])
	return nil
}

var memoryRow = regexp.MustCompile(`(?m)^memory\t(\d+)\t\d+\t`)

// setNumCgroups rewrites the memory row of a /proc/cgroups fixture through a
// new file renamed over it (hard-linked clones keep theirs).
func setNumCgroups(path string, n int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !memoryRow.Match(b) {
		return fmt.Errorf("%s has no memory row", path)
	}
	out := memoryRow.ReplaceAll(b, []byte(fmt.Sprintf("memory\t${1}\t%d\t", n)))
	if err := os.WriteFile(path+".new", out, 0o444); err != nil {
		return err
	}
	return os.Rename(path+".new", path)
}

// shift rewrites a JSON report as if it had been made back earlier.
func shift(src, dst string, back time.Duration) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	move := func(m map[string]any, key string) {
		if s, ok := m[key].(string); ok {
			if at, err := time.Parse(time.RFC3339, s); err == nil {
				m[key] = at.Add(-back).UTC().Format(time.RFC3339)
			}
		}
	}
	move(r, "started_at")
	move(r, "finished_at")
	hosts, _ := r["hosts"].([]any)
	for _, h := range hosts {
		if hm, ok := h.(map[string]any); ok {
			if f, ok := hm["facts"].(map[string]any); ok {
				move(f, "collected_at")
			}
		}
	}
	out, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, out, 0o644)
}
