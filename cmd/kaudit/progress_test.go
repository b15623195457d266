package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/pipeline"
	"github.com/kaudit/kaudit/probes/facts"
)

func TestProgress(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		want    []string // in the output
	}{
		{"terminal", true, []string{"2/4 hosts", "1 unreachable", "4/4 hosts", "ETA 0s"}},
		{"pipe or CI: silent", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, 4, tt.enabled)
			p.start = time.Now().Add(-time.Second)
			p.update(1, 4, &pipeline.Host{FleetHost: facts.FleetHost{Facts: &facts.Facts{}}})
			p.last = time.Time{}
			p.update(2, 4, &pipeline.Host{}) // unreachable: no facts
			p.update(3, 4, &pipeline.Host{FleetHost: facts.FleetHost{Facts: &facts.Facts{}}})
			p.update(4, 4, &pipeline.Host{FleetHost: facts.FleetHost{Facts: &facts.Facts{}}})
			p.clear()
			out := buf.String()
			if !tt.enabled {
				if out != "" {
					t.Fatalf("disabled progress wrote %q", out)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("progress output lacks %q: %q", w, out)
				}
			}
		})
	}
}
