package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/transport"
	"github.com/kaudit/kaudit/report"
)

// rootRunner runs the real collector command with /bin/sh against a fake
// host root (collectortest), or fails hosts named unreachable-*.
type rootRunner struct {
	host  collectortest.Host
	calls atomic.Int32
}

func (r *rootRunner) Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*transport.Result, error) {
	r.calls.Add(1)
	if strings.HasPrefix(h.Name, "unreachable-") {
		return nil, &transport.Error{Reason: transport.ReasonConnect, Host: h.Name, Msg: "connection refused"}
	}
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	// stdin stays open while the collector runs, as the transports keep it
	// ("watch": end of file makes the collector stop).
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pw.Close()
	c.Stdin = pr
	go func() { _, _ = pw.Write(stdin) }()
	c.Env = []string{"KAUDIT_ROOT=" + r.host.Root, "PATH=" + r.host.Bin + ":/usr/bin:/bin", "HOME=/nonexistent"}
	out, err := c.Output()
	pr.Close()
	if err != nil {
		return nil, &transport.Error{Reason: transport.ReasonCollector, Host: h.Name, Msg: err.Error()}
	}
	return &transport.Result{Stdout: out}, nil
}

// TestRunMatchesCollectThenEvaluate: evaluating each host as it arrives
// gives the report that collecting everything and then evaluating gives,
// with a fleet-wide pack loaded too (evaluated after the collection).
func TestRunMatchesCollectThenEvaluate(t *testing.T) {
	ctx := context.Background()
	runner := &rootRunner{host: collectortest.RHEL7Node(t)}
	var hosts []*inventory.Host
	for i := range 12 {
		name := fmt.Sprintf("node-%02d", i)
		if i%5 == 3 {
			name = "unreachable-" + name
		}
		hosts = append(hosts, &inventory.Host{Name: name, Address: "192.0.2.1", Groups: []string{"g"}})
	}
	for _, packs := range [][]string{nil, {"../../examples/policies"}} {
		eng, err := policies.New(ctx, policies.Options{Packs: packs})
		if err != nil {
			t.Fatal(err)
		}
		if eng.NeedsFleet() != (packs != nil) {
			t.Fatalf("packs %v: NeedsFleet = %v", packs, eng.NeedsFleet())
		}
		clock := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
		meta := Meta{ToolVersion: "test", Inventory: "x.hcl", StartedAt: clock(), Now: clock}
		progress := 0
		o, err := Run(ctx, Collect(nil, hosts, probes.Options{Concurrency: 4, Transport: runner, Now: clock}), Options{Engine: eng, Meta: meta, OnHost: func(done, total int, h *Host) {
			if progress++; done != progress || total != len(hosts) || h.Name == "" {
				t.Errorf("OnHost(%d, %d, %q) after %d calls", done, total, h.Name, progress)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		got, fleet, interrupted := o.Report, o.Hosts, o.Interrupted
		if interrupted || progress != len(hosts) || len(fleet) != len(hosts) {
			t.Fatalf("interrupted %v, %d OnHost calls, %d hosts", interrupted, progress, len(fleet))
		}
		want := evalSaved(ctx, eng, fleet, meta, 3)
		if a, b := mustJSON(t, got), mustJSON(t, want); a != b {
			t.Fatalf("packs %v: the report of the streamed collection differs from the saved facts' :\n%.2000s\n----\n%.2000s", packs, a, b)
		}
		for i, h := range got.Hosts {
			unreachable := strings.HasPrefix(hosts[i].Name, "unreachable-")
			if h.Name != hosts[i].Name || (h.Status == report.HostUnreachable) != unreachable {
				t.Errorf("host %d: %s %s", i, h.Name, h.Status)
			}
			if !unreachable && len(h.Results) != len(eng.Checks()) {
				t.Errorf("%s: %d results, want %d", h.Name, len(h.Results), len(eng.Checks()))
			}
		}
	}
	if n := runner.calls.Load(); n != 2*int32(len(hosts)) {
		t.Errorf("%d collector runs for 2 × %d hosts", n, len(hosts))
	}
}

// TestRunInterrupted: hosts never started are reported unreachable, what was
// collected is evaluated, and interrupted is true.
func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runner := &rootRunner{host: collectortest.RHEL7Node(t)}
	var hosts []*inventory.Host
	for i := range 20 {
		hosts = append(hosts, &inventory.Host{Name: fmt.Sprintf("n%02d", i), Address: "192.0.2.1"})
	}
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(ctx, Collect(nil, hosts, probes.Options{Concurrency: 1, Transport: runner}), Options{Engine: eng, OnHost: func(done, _ int, _ *Host) {
		if done == 3 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := o.Report
	if !o.Interrupted || !r.Interrupted {
		t.Fatal("not interrupted")
	}
	evaluated := 0
	for _, h := range r.Hosts {
		if len(h.Results) > 0 {
			evaluated++
		} else if h.Status != report.HostUnreachable {
			t.Errorf("%s: no results, status %s", h.Name, h.Status)
		}
	}
	if evaluated < 3 || evaluated == len(hosts) {
		t.Errorf("%d of %d hosts evaluated", evaluated, len(hosts))
	}
}

func mustJSON(t *testing.T, r *report.Report) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
