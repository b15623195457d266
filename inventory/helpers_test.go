package inventory

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// testNow is the clock of every test load: waivers expiring before it warn.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// testOpts isolates a load from the machine: a fixed environment (USER and
// HOME set unless overridden), an in-memory file system and a fixed clock.
func testOpts(env map[string]string, files map[string]string) LoadOptions {
	e := map[string]string{"USER": "tester", "HOME": "/home/tester"}
	for k, v := range env {
		e[k] = v
	}
	return LoadOptions{
		Getenv: func(k string) (string, bool) {
			v, ok := e[k]
			return v, ok
		},
		ReadFile: func(name string) ([]byte, error) {
			if c, ok := files[name]; ok {
				return []byte(c), nil
			}
			return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
		},
		Now: func() time.Time { return testNow },
	}
}

// loadSrc loads one in-memory file named inv.hcl.
func loadSrc(t *testing.T, src string) (*Inventory, hcl.Diagnostics) {
	t.Helper()
	inv, _, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(src)}, testOpts(nil, nil))
	return inv, diags
}

// mustLoad loads src and fails the test on any error diagnostic.
func mustLoad(t *testing.T, src string) *Inventory {
	t.Helper()
	inv, diags := loadSrc(t, src)
	if diags.HasErrors() || inv == nil {
		t.Fatalf("unexpected errors:\n%s", diagText(diags))
	}
	return inv
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		pos := "-"
		if d.Subject != nil {
			pos = Pos(*d.Subject)
		}
		fmt.Fprintf(&b, "  %s %s: %s: %s\n", sevName(d.Severity), pos, d.Summary, d.Detail)
	}
	return b.String()
}

func sevName(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagWarning {
		return "warning"
	}
	return "error"
}

// hostByName returns the named host or fails.
func hostByName(t *testing.T, inv *Inventory, name string) *Host {
	t.Helper()
	for _, h := range inv.Hosts {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no host %q; have %d hosts", name, len(inv.Hosts))
	return nil
}

func hostNames(hosts []*Host) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.Name
	}
	return out
}
