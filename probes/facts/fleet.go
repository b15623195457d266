package facts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// FleetSchema is the schema of a saved fleet facts file.
const FleetSchema = "kaudit.fleetfacts/v1"

// FleetFacts is what `kaudit facts -o` and `kaudit run --facts-out` write and
// `kaudit eval --facts` / `kaudit gate --facts` read: every host's facts or
// why it has none.
type FleetFacts struct {
	Schema      string      `json:"schema"`
	ToolVersion string      `json:"tool_version"`
	Inventory   string      `json:"inventory"`
	CollectedAt string      `json:"collected_at"`
	Interrupted bool        `json:"interrupted,omitempty"`
	Hosts       []FleetHost `json:"hosts"`
}

// FleetHost is one host of a fleet facts file.
type FleetHost struct {
	Name       string            `json:"name"`
	Address    string            `json:"address"`
	Groups     []string          `json:"groups"`
	Labels     map[string]string `json:"labels"`
	Reason     string            `json:"reason,omitempty"` // unreachable reason when Facts is nil
	Error      string            `json:"error,omitempty"`
	DurationMS int64             `json:"duration_ms"`
	Facts      *Facts            `json:"facts,omitempty"`
}

// WriteFleetFacts writes ff as indented JSON.
func WriteFleetFacts(w io.Writer, ff *FleetFacts) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ff); err != nil {
		return fmt.Errorf("write facts: %w", err)
	}
	return nil
}

// ReadFleetFacts reads a fleet facts file, or a single host's kaudit.facts/v1
// document (as `opa eval -i` takes), returning the hosts in file order.
func ReadFleetFacts(r io.Reader) (*FleetFacts, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	var probe struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	switch probe.Schema {
	case FleetSchema:
		var ff FleetFacts
		if err := dec.Decode(&ff); err != nil {
			return nil, fmt.Errorf("read fleet facts: %w", err)
		}
		for i, h := range ff.Hosts {
			if h.Name == "" {
				return nil, fmt.Errorf("read fleet facts: host %d has no name", i)
			}
		}
		return &ff, nil
	case Schema:
		var f Facts
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("read host facts: %w", err)
		}
		name := f.Host
		if name == "" {
			name = f.Hostname
		}
		if name == "" {
			name = "host"
		}
		return &FleetFacts{Schema: FleetSchema, Hosts: []FleetHost{{Name: name, Address: name, Facts: &f}}}, nil
	default:
		return nil, fmt.Errorf("read facts: schema %q is neither %s nor %s", probe.Schema, FleetSchema, Schema)
	}
}
