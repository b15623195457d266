package facts

import (
	"os"
	"strings"
	"testing"
)

func TestReadFleetFacts(t *testing.T) {
	host, err := os.ReadFile("../../testdata/facts/seed003-centos78-nokmem-builds.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		hosts   int
		wantErr string
	}{
		{"fleet file", `{"schema":"kaudit.fleetfacts/v1","hosts":[{"name":"a","facts":{"schema":"kaudit.facts/v1"}},{"name":"b","reason":"timeout"}]}`, 2, ""},
		{"single host facts document", string(host), 1, ""},
		{"host without a name", `{"schema":"kaudit.fleetfacts/v1","hosts":[{"address":"x"}]}`, 0, "no name"},
		{"unknown schema", `{"schema":"kaudit.report/v1"}`, 0, "neither"},
		{"not JSON", `<html>`, 0, "read facts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff, err := ReadFleetFacts(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ff.Hosts) != tt.hosts {
				t.Fatalf("%d hosts, want %d", len(ff.Hosts), tt.hosts)
			}
		})
	}
}
