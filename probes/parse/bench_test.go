package parse_test

import (
	"testing"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/parse"
)

// BenchmarkSplitBuild measures the client-side cost per host: Split and Build
// of the fake CentOS 7 node's real collector output.
func BenchmarkSplitBuild(b *testing.B) {
	h := collectortest.RHEL7Node(b)
	raw := h.Run(b, collectortest.Shells(b)[0], nonce)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		parse.Build("node1", collector.Split(raw, nonce))
	}
}
