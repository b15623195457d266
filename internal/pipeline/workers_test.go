package pipeline

import (
	"runtime"
	"testing"
)

// Evaluation is CPU-bound: -j (the hosts contacted at once) must not put
// more hosts' Rego state in memory than there are cores to evaluate them.
func TestEvalWorkers(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	tests := []struct {
		name string
		in   int
		want int
	}{
		{"unset", 0, procs},
		{"negative", -3, procs},
		{"the -j default", 64, procs},
		{"one", 1, 1},
		{"cores", procs, procs},
		{"more than cores", procs + 1, procs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evalWorkers(tt.in); got != tt.want {
				t.Fatalf("evalWorkers(%d) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
