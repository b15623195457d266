package facts

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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
// A fleet file is decoded host by host as it is read: the file's bytes are
// never all in memory (85 MB at 20,000 hosts), only the decoded hosts.
func ReadFleetFacts(r io.Reader) (*FleetFacts, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	doc, hosts, err := readMembers(dec)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	var probe struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	switch probe.Schema {
	case FleetSchema:
		var ff FleetFacts
		if err := json.Unmarshal(doc, &ff); err != nil {
			return nil, fmt.Errorf("read fleet facts: %w", err)
		}
		if hosts.raw != nil {
			if err := json.Unmarshal(hosts.raw, &ff.Hosts); err != nil {
				return nil, fmt.Errorf("read fleet facts: %w", err)
			}
		} else {
			if hosts.err != nil {
				return nil, fmt.Errorf("read fleet facts: %w", hosts.err)
			}
			ff.Hosts = hosts.list
		}
		for i, h := range ff.Hosts {
			if h.Name == "" {
				return nil, fmt.Errorf("read fleet facts: host %d has no name", i)
			}
		}
		return &ff, nil
	case Schema:
		// A host document has no "hosts" member (Facts has no such field):
		// json.Unmarshal would ignore it, so it is dropped.
		var f Facts
		if err := json.Unmarshal(doc, &f); err != nil {
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

// hostsMember is the top-level "hosts" member as read: an array decoded
// host by host (list), or, when it is not an array of objects (null, or a
// single host's document with such a member), its raw JSON.
type hostsMember struct {
	list []FleetHost
	raw  json.RawMessage
	// err is the first element that is not a host (json.Unmarshal goes on
	// past it and fails at the end, so does a fleet file's reader).
	err error
}

// readMembers reads one JSON object from dec: the document without its
// "hosts" member (matched as json.Unmarshal matches a field name, ignoring
// case), its members in their order, and that member, when it is an array,
// decoded element by element into FleetHosts (the last such member wins, as
// with json.Unmarshal). Nothing but white space may follow the object.
func readMembers(dec *json.Decoder) (json.RawMessage, hostsMember, error) {
	var hosts hostsMember
	tok, err := dec.Token()
	if err != nil {
		return nil, hosts, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, hosts, fmt.Errorf("not a JSON object")
	}
	doc := []byte{'{'}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, hosts, err
		}
		key, _ := tok.(string)
		if strings.EqualFold(key, "hosts") {
			if hosts, err = readHosts(dec); err != nil {
				return nil, hosts, err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, hosts, err
		}
		k, _ := json.Marshal(key)
		if len(doc) > 1 {
			doc = append(doc, ',')
		}
		doc = append(append(append(doc, k...), ':'), raw...)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, hosts, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, hosts, fmt.Errorf("invalid data after the top-level object")
	}
	return append(doc, '}'), hosts, nil
}

// readHosts reads the value of the "hosts" member.
func readHosts(dec *json.Decoder) (hostsMember, error) {
	var h hostsMember
	if !startsArray(dec) {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return h, err
		}
		h.raw = raw
		return h, nil
	}
	if _, err := dec.Token(); err != nil { // [
		return h, err
	}
	h.list = []FleetHost{}
	for dec.More() {
		var fh FleetHost
		if err := dec.Decode(&fh); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return h, err
			}
			h.err = cmp.Or(h.err, err)
			continue
		}
		h.list = append(h.list, fh)
	}
	if _, err := dec.Token(); err != nil { // ]
		return h, err
	}
	return h, nil
}

// startsArray reports whether the next value dec reads is an array.
func startsArray(dec *json.Decoder) bool {
	rest := dec.Buffered()
	var b [1]byte
	for {
		if _, err := rest.Read(b[:]); err != nil {
			return false
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r', ':':
			continue
		}
		return b[0] == '['
	}
}
