package collector_test

import (
	"context"
	"testing"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/parse"
)

// TestCutSectionNeverPasses: for every section of a real collector run (the
// fake CentOS 7 node and this machine), cut at the cap, timed out, or cut
// by the connection, no check passes on what that section printed: a check
// that passes then also passes with the section missing altogether, or with
// the same cut and an empty body (the pass rests on other, complete
// evidence). A truncated or timed-out section never earns a pass.
func TestCutSectionNeverPasses(t *testing.T) {
	ctx := context.Background()
	e, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sh := collectortest.Shells(t)[0]
	for _, node := range []struct {
		name string
		h    collectortest.Host
	}{
		{"fake CentOS 7", collectortest.RHEL7Node(t)},
		{"this machine", collectortest.Host{Bin: t.TempDir()}},
	} {
		t.Run(node.name, func(t *testing.T) {
			secs := collector.Split(node.h.Run(t, sh, nonce), nonce)
			eval := func(s []collector.Section) map[string]string {
				out := map[string]string{}
				for _, r := range e.Eval(ctx, parse.Build("n", s), policies.HostInput{Name: "n"}) {
					out[r.ID] = r.Status
				}
				return out
			}
			passes := 0
			for id, st := range eval(secs) {
				if st == policies.StatusPass {
					passes++
					t.Logf("passes on the full run: %s", id)
				}
			}
			for i := range secs {
				without := eval(append(append([]collector.Section{}, secs[:i]...), secs[i+1:]...))
				for _, cut := range []struct {
					how string
					mod func(*collector.Section)
				}{
					{"cut at the cap", func(s *collector.Section) { s.Truncated = true }},
					{"timed out", func(s *collector.Section) { s.Exit, s.Why = 124, collector.WhyTimeout }},
					{"cut by the connection", func(s *collector.Section) { s.Exit, s.Truncated = -1, true }},
				} {
					c := append([]collector.Section{}, secs...)
					cut.mod(&c[i])
					// the same cut with nothing printed: a pass that still
					// holds rests on other, complete evidence (runc cut, but
					// every container cgroup reads kmem as off)
					empty := append([]collector.Section{}, c...)
					empty[i].Body = nil
					bodyless := eval(empty)
					for id, st := range eval(c) {
						if st == policies.StatusPass && without[id] != policies.StatusPass && bodyless[id] != policies.StatusPass {
							t.Errorf("section %s (%s) %s: %s passes on what the section printed (%s without the section, %s with it empty)",
								secs[i].Name, secs[i].Source, cut.how, id, without[id], bodyless[id])
						}
					}
				}
			}
			t.Logf("%d sections, %d checks pass on the full run", len(secs), passes)
		})
	}
}
