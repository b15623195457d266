// Command evalprof profiles `kaudit eval --facts FILE --report json=PATH`
// in-process: the calls cmd/kaudit makes (facts file, policy engine,
// pipeline.Run over the saved facts, the JSON renderer), with a heap profile
// taken once the pipeline has run (what the report holds) and the peak RSS.
//
//	go run ./bench/evalprof -facts out/evalbench-facts-20000.json -memprofile /tmp/eval.heap
//	go tool pprof -sample_index=inuse_space -top /tmp/eval.heap
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "evalprof:", err)
		os.Exit(1)
	}
}

func run() error {
	path := flag.String("facts", "", "fleet facts file")
	mem := flag.String("memprofile", "", "heap profile after the pipeline")
	out := flag.String("report", os.DevNull, "JSON report path")
	flag.Parse()
	ctx := context.Background()
	f, err := os.Open(*path)
	if err != nil {
		return err
	}
	ff, err := facts.ReadFleetFacts(f)
	f.Close()
	if err != nil {
		return err
	}
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		return err
	}
	o, err := pipeline.Run(ctx, pipeline.Saved(ff), pipeline.Options{Engine: eng})
	if err != nil {
		return err
	}
	if *mem != "" {
		runtime.GC()
		w, err := os.Create(*mem)
		if err != nil {
			return err
		}
		if err := pprof.Lookup("heap").WriteTo(w, 0); err != nil {
			return err
		}
		w.Close()
	}
	if err := report.WriteFileAtomic(*out, func(w io.Writer) error { return report.JSON{}.Render(w, o.Report) }); err != nil {
		return err
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("hosts %d, peak RSS %.0f MiB\n", len(o.Report.Hosts), float64(ru.Maxrss)/1024)
	return nil
}
