// Command genfacts writes a kaudit.fleetfacts/v1 file of N hosts made from
// the facts fixtures (testdata/facts), for measuring `kaudit eval` at fleet
// sizes no test fleet reaches:
//
//	go run ./bench/genfacts -n 20000 -o /tmp/facts-20k.json
//	/usr/bin/time -v kaudit eval --facts /tmp/facts-20k.json --report json=/tmp/r.json
//
// Host i is fixture i mod F with its host name, hostname and the counters
// that differ from node to node in a real fleet varied deterministically
// (memory num_cgroups and live memcg directories, meminfo's Slab,
// SUnreclaim and MemFree, the kmem sample's counts), so hosts are not
// identical copies: interned strings and equal values would otherwise make
// a generated fleet lighter than a real one. One host in -unreachable is
// written without facts (reason timeout).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/kaudit/kaudit/probes/facts"
)

func main() {
	n := flag.Int("n", 2000, "hosts")
	dir := flag.String("fixtures", "testdata/facts", "directory of kaudit.facts/v1 fixtures")
	out := flag.String("o", "", "output file (default stdout)")
	unreachable := flag.Int("unreachable", 50, "one host in this many has no facts (0: none)")
	flag.Parse()
	if err := run(*n, *dir, *out, *unreachable); err != nil {
		fmt.Fprintln(os.Stderr, "genfacts:", err)
		os.Exit(1)
	}
}

func run(n int, dir, out string, unreachable int) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		return fmt.Errorf("no fixtures in %s: %v", dir, err)
	}
	sort.Strings(paths)
	raw := make([][]byte, len(paths))
	for i, p := range paths {
		if raw[i], err = os.ReadFile(p); err != nil {
			return err
		}
	}
	w := os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	// Written host by host: the generator itself stays small at any N.
	head, err := json.Marshal(facts.FleetFacts{Schema: facts.FleetSchema, ToolVersion: "genfacts", Inventory: "generated", CollectedAt: "2026-12-03T12:00:00Z", Hosts: []facts.FleetHost{}})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-2]) // drop "]}"
	for i := range n {
		name := fmt.Sprintf("node-%05d.rack%02d.example.com", i, i%40)
		h := facts.FleetHost{Name: name, Address: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Groups: []string{"k8s", fmt.Sprintf("rack%02d", i%40)}, Labels: map[string]string{"rack": fmt.Sprintf("%02d", i%40)}, DurationMS: int64(200 + i%700)}
		if unreachable > 0 && i%unreachable == unreachable-1 {
			h.Reason, h.Error = "timeout", "no answer within connect_timeout 10s"
		} else {
			var f facts.Facts
			if err := json.Unmarshal(raw[i%len(raw)], &f); err != nil {
				return fmt.Errorf("%s: %w", paths[i%len(raw)], err)
			}
			vary(&f, name, i)
			h.Facts = &f
		}
		b, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// vary makes host i's facts its own: names and the per-node counters.
func vary(f *facts.Facts, name string, i int) {
	f.Host, f.Hostname = name, name
	d := i % 997
	if p := f.Cgroup.MemoryNumCgroups; p != nil {
		v := *p + d
		f.Cgroup.MemoryNumCgroups = &v
	}
	if p := f.Cgroup.MemoryLiveDirs; p != nil {
		v := *p + d%31
		f.Cgroup.MemoryLiveDirs = &v
	}
	for _, k := range []string{"Slab", "SUnreclaim", "MemFree", "Cached"} {
		if v, ok := f.Memory.Meminfo[k]; ok {
			f.Memory.Meminfo[k] = v + int64(d)*4
		}
	}
}
