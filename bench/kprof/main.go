// Command kprof profiles the pipeline of `kaudit run -i INV --report
// json=PATH -j N` in-process: the same calls cmd/kaudit makes (inventory
// load, policy engine, pipeline.Run over the SSH source, the JSON renderer)
// with a CPU profile, heap profiles after each phase, and the time and
// memory of every phase. kaudit itself has no profiling flag; this is how
// docs/performance.md's profiles were taken. Run it inside the test fleet's
// network namespace:
//
//	go build -o /tmp/kprof ./bench/kprof
//	ip netns exec NS /tmp/kprof -i INVENTORY -j 64 -report /tmp/r.json -cpuprofile /tmp/cpu.pprof -memprofile /tmp/mem
//	go tool pprof -top /tmp/kprof /tmp/cpu.pprof
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/report"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kprof:", err)
		os.Exit(1)
	}
}

func run() error {
	inv := flag.String("i", "", "inventory (HCL)")
	jobs := flag.Int("j", probes.DefaultConcurrency, "hosts in flight")
	reportPath := flag.String("report", "", "JSON report path (required)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here")
	memProfile := flag.String("memprofile", "", "write heap profiles PREFIX-<phase>.pprof")
	flag.Parse()
	if *inv == "" || *reportPath == "" {
		return fmt.Errorf("usage: kprof -i INVENTORY -report PATH [-j N] [-cpuprofile F] [-memprofile PREFIX]")
	}
	ctx := context.Background()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	peak := startPeak()
	phase := newPhases(peak, *memProfile)

	invDoc, _, diags := inventory.Load([]string{*inv}, inventory.LoadOptions{})
	if diags.HasErrors() {
		return fmt.Errorf("inventory: %s", diags.Error())
	}
	hosts, err := invDoc.Select(nil)
	if err != nil {
		return err
	}
	eng, err := policies.New(ctx, policies.Options{Params: invDoc.Params})
	if err != nil {
		return err
	}
	if err := phase.done("setup"); err != nil {
		return err
	}
	meta := pipeline.Meta{ToolVersion: "kprof", Inventory: pipeline.InventoryLabel(invDoc), StartedAt: time.Now()}
	o, _ := pipeline.Run(ctx, pipeline.Collect(invDoc, hosts, probes.Options{Concurrency: *jobs}), pipeline.Options{Engine: eng, Meta: meta})
	if err := phase.done("collect+evaluate"); err != nil {
		return err
	}
	r := o.Report
	if err := report.WriteFileAtomic(*reportPath, func(w io.Writer) error { return report.JSON{}.Render(w, r) }); err != nil {
		return err
	}
	if err := phase.done("report"); err != nil {
		return err
	}
	runtime.KeepAlive(r)
	peak.stop()
	fmt.Fprintf(os.Stderr, "kprof: %d hosts; peak heap in use %.1f MiB, peak Sys %.1f MiB; exit code %d\n",
		len(hosts), mib(peak.heap), mib(peak.sys), report.ExitCode(r))
	return nil
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// peakMem samples runtime.MemStats every 20 ms.
type peakMem struct {
	mu        sync.Mutex
	heap, sys uint64
	quit      chan struct{}
	wg        sync.WaitGroup
}

func startPeak() *peakMem {
	p := &peakMem{quit: make(chan struct{})}
	p.wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			p.sample()
			select {
			case <-t.C:
			case <-p.quit:
				return
			}
		}
	})
	return p
}

func (p *peakMem) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.mu.Lock()
	p.heap = max(p.heap, ms.HeapInuse)
	p.sys = max(p.sys, ms.Sys)
	p.mu.Unlock()
}

func (p *peakMem) stop() {
	close(p.quit)
	p.wg.Wait()
}

// phases prints the duration and memory of each phase and writes a heap
// profile after it.
type phases struct {
	peak   *peakMem
	prefix string
	last   time.Time
	cpu    time.Duration
}

func newPhases(p *peakMem, prefix string) *phases {
	return &phases{peak: p, prefix: prefix, last: time.Now(), cpu: cpuTime()}
}

func (ph *phases) done(name string) error {
	now, cpu := time.Now(), cpuTime()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "kprof: %-8s wall %7.3f s  cpu %7.3f s  heap in use %7.1f MiB  total alloc %8.1f MiB  GCs %d\n",
		name, now.Sub(ph.last).Seconds(), (cpu - ph.cpu).Seconds(), mib(ms.HeapInuse), mib(ms.TotalAlloc), ms.NumGC)
	ph.last, ph.cpu = now, cpu
	if ph.prefix == "" {
		return nil
	}
	f, err := os.Create(ph.prefix + "-" + name + ".pprof")
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// cpuTime is this process's user+system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
