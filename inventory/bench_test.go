package inventory

import (
	"fmt"
	"strings"
	"testing"
)

// bench10k is a 10,000-host inventory written the way a large fleet is:
// 40 racks of 250 workers through two bastions, with overlapping groups.
func bench10k() []byte {
	var b strings.Builder
	b.WriteString(`defaults {
  user            = "audit"
  identity_file   = "~/.ssh/id_ed25519"
  known_hosts     = "~/.ssh/known_hosts"
  connect_timeout = "5s"
  labels          = { env = "prod" }
}
bastion "edge" {
  address = "edge.example.com"
}
bastion "dc1" {
  address = "jump.dc1.example.com"
  bastion = "edge"
}
`)
	for rack := 1; rack <= 40; rack++ {
		fmt.Fprintf(&b, `group "rack%02d" {
  bastion     = "dc1"
  labels      = { rack = "r%02d", role = "worker" }
  hosts       = ["node-r%02d-[001:250].dc1.example.com"]
  concurrency = 32
}
`, rack, rack, rack)
	}
	// Every host is also in one of two overlapping groups.
	b.WriteString(`group "even-racks" {
  timeout = "90s"
  hosts   = [` + strings.Join(func() []string {
		var out []string
		for rack := 2; rack <= 40; rack += 2 {
			out = append(out, fmt.Sprintf(`"node-r%02d-[001:250].dc1.example.com"`, rack))
		}
		return out
	}(), ", ") + `]
}
`)
	return []byte(b.String())
}

func TestBench10kInventory(t *testing.T) {
	inv, _, diags := LoadBytes(map[string][]byte{"big.hcl": bench10k()}, testOpts(nil, nil))
	if diags.HasErrors() || len(diags) != 0 {
		t.Fatal(diagText(diags))
	}
	if len(inv.Hosts) != 10000 {
		t.Fatalf("%d hosts", len(inv.Hosts))
	}
	h := hostByName(t, inv, "node-r02-250.dc1.example.com")
	if h.SSH.Timeout.String() != "1m30s" || h.Labels["rack"] != "r02" || len(h.Groups) != 2 || h.Bastion != "dc1" {
		t.Errorf("host %+v", h)
	}
}

// BenchmarkLoad10k parses, expands and resolves 10,000 hosts.
func BenchmarkLoad10k(b *testing.B) {
	src := map[string][]byte{"big.hcl": bench10k()}
	opts := testOpts(nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		inv, _, diags := LoadBytes(src, opts)
		if diags.HasErrors() || len(inv.Hosts) != 10000 {
			b.Fatal(diagText(diags))
		}
	}
}
