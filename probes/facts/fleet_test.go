package facts

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
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

// readWhole is ReadFleetFacts as it was before it streamed: the whole file
// in memory, then decoded. The streaming reader must agree with it.
func readWhole(data []byte) (*FleetFacts, error) {
	var probe struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, err
	}
	switch probe.Schema {
	case FleetSchema:
		var ff FleetFacts
		if err := json.Unmarshal(data, &ff); err != nil {
			return nil, err
		}
		for i, h := range ff.Hosts {
			if h.Name == "" {
				return nil, fmt.Errorf("host %d has no name", i)
			}
		}
		return &ff, nil
	case Schema:
		var f Facts
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, err
		}
		name := cmp.Or(f.Host, f.Hostname, "host")
		return &FleetFacts{Schema: FleetSchema, Hosts: []FleetHost{{Name: name, Address: name, Facts: &f}}}, nil
	}
	return nil, errors.New("schema")
}

func FuzzReadFleetFacts(f *testing.F) {
	host, err := os.ReadFile("../../testdata/facts/seed003-centos78-nokmem-builds.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(host)
	f.Add([]byte(`{"schema":"kaudit.fleetfacts/v1","hosts":[{"name":"a","facts":{"schema":"kaudit.facts/v1"}},{"name":"b","reason":"timeout"}]}`))
	f.Add([]byte(`{"hosts" : [ {"name":"a"} ], "inventory":"x", "schema":"kaudit.fleetfacts/v1", "interrupted": true}`))
	f.Add([]byte(`{"schema":"kaudit.fleetfacts/v1","hosts":null}`))
	f.Add([]byte(`{"schema":"kaudit.facts/v1","hosts":[1],"host":"n"}`))
	f.Add([]byte(`{"schema":"kaudit.fleetfacts/v1","hosts":[]} x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := readWhole(data)
		got, gerr := ReadFleetFacts(bytes.NewReader(data))
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("streaming err = %v, whole-file err = %v", gerr, werr)
		}
		if werr != nil {
			return
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			t.Fatalf("streaming read\n%s\nwhole-file read\n%s", gb, wb)
		}
	})
}
