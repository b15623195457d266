package report

import (
	"encoding/json"
	"testing"
)

// TestHTMLIslandProjected: a projected result carries its status, whether
// it is predicted, its waiver and the gate's notes, not the current
// result's evidence or remediation again.
func TestHTMLIslandProjected(t *testing.T) {
	r := sampleGateReport()
	Finalize(r, "high")
	data, err := htmlData(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc islandDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Plan {
		t.Fatal("island does not say it is a gate report")
	}
	h := doc.Hosts[0] // k8s-node-000
	if h.Gate != "go" || h.ProjStatus != HostCompliant || len(h.Proj) != len(h.Results) {
		t.Fatalf("k8s-node-000: gate %q, after the plan %q, %d projected for %d results", h.Gate, h.ProjStatus, len(h.Proj), len(h.Results))
	}
	if u := doc.Hosts[2]; u.Gate != "" || u.ProjStatus != "" || u.Proj != nil {
		t.Errorf("unreachable host with a projection: %+v", u)
	}
	pairs := func(kvs [][2]int) [][2]string {
		var out [][2]string
		for _, kv := range kvs {
			out = append(out, [2]string{doc.Str[kv[0]], doc.Str[kv[1]]})
		}
		return out
	}
	seen := map[string]bool{}
	for _, p := range h.Proj {
		id := doc.Checks[p.Check].ID
		seen[id] = true
		if !p.Predicted || p.Fix != 0 || p.Evidence != nil || p.Baseline != "" {
			t.Errorf("%s after the plan: %+v", id, p)
		}
		switch id {
		case "kmem.runc":
			if got := pairs(p.Planned); len(got) != 1 || got[0] != [2]string{"runtimes.runc", "docker-runc 1.0.0-rc5+dev → 1.0.0-rc95"} || p.Notes != nil {
				t.Errorf("kmem.runc notes: planned %v, predicted %v", got, pairs(p.Notes))
			}
		case "kmem.risk":
			if got := pairs(p.Notes); len(got) != 1 || got[0] != [2]string{"kmem.kubepods.state", noteKubepodsNokmem} {
				t.Errorf("kmem.risk predicted %v", got)
			}
		case "kmem.slab_pressure":
			if p.Status != "waived" || p.Waiver == nil || p.Waiver.Owner != "platform-team" || p.Waiver.Was != "unknown" {
				t.Errorf("kmem.slab_pressure after the plan: %+v %+v", p, p.Waiver)
			}
		}
	}
	if !seen["kmem.runc"] || !seen["kmem.risk"] || !seen["kmem.slab_pressure"] {
		t.Errorf("projected checks %v", seen)
	}
	for _, res := range h.Results {
		for _, kv := range res.Evidence {
			if k := doc.Str[kv[0]]; k == EvidencePlanned || k == EvidencePredicted {
				t.Errorf("current result carries %s", k)
			}
		}
	}
}

// TestHTMLInterning: at fleet size the repeated strings are stored once.
func TestHTMLInterning(t *testing.T) {
	big := bigReport(1000)
	Finalize(big, "high")
	data, err := htmlData(big)
	if err != nil {
		t.Fatal(err)
	}
	var doc islandDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hosts) != 1000 || len(doc.Str) > 200 {
		t.Errorf("%d hosts, %d interned strings (want 1000 and the sample's few distinct ones)", len(doc.Hosts), len(doc.Str))
	}
	if perHost := len(data) / 1000; perHost > 4096 {
		t.Errorf("%d bytes of data per host", perHost)
	}
}
