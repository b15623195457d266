package parse_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

const schemaPath = "../../docs/facts.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("facts.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("facts.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("facts.schema.json")
	if err != nil {
		t.Fatalf("compile facts.schema.json: %v", err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, f *facts.Facts) {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("facts do not match docs/facts.schema.json: %v\n%s", err, b)
	}
}

// TestSchema validates Build's output for the fake RHEL 7 node (every shell),
// for this machine, for a cut output and for no output at all against
// docs/facts.schema.json.
func TestSchema(t *testing.T) {
	s := compileSchema(t)
	h := collectortest.RHEL7Node(t)
	for _, sh := range collectortest.Shells(t) {
		f := parse.Build("node1", collector.Split(h.Run(t, sh, nonce), nonce))
		f.CollectedAt = "2026-01-02T03:04:05Z"
		f.Collector.Transport = "ssh"
		validate(t, s, f)
		raw := collectortest.Host{Bin: t.TempDir()}.Run(t, sh, nonce)
		validate(t, s, parse.Build("local", collector.Split(raw, nonce)))
		validate(t, s, parse.Build("cut", collector.Split(raw[:len(raw)/2], nonce)))
	}
	validate(t, s, parse.Build("none", nil))
}

// TestSchemaRejects makes sure the schema is strict enough to catch drift.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	for name, doc := range map[string]string{
		"wrong schema":   `{"schema":"kaudit.facts/v0","host":"h","collector":{"sudo":false,"bytes":0,"truncated":false,"duration_ms":0,"exit":0},"sources":{},"os":{},"kernel":{},"boot":{"persisted":[]},"cgroup":{},"kmem":{"containers_found":0,"containers_sampled":0,"containers_active":0,"containers_inactive":0,"containers_error":0},"memory":{},"runtimes":{"runc":[]},"kernel_log":{}}`,
		"unknown field":  `{"schema":"kaudit.facts/v1","host":"h","extra":1,"collector":{"sudo":false,"bytes":0,"truncated":false,"duration_ms":0,"exit":0},"sources":{},"os":{},"kernel":{},"boot":{"persisted":[]},"cgroup":{},"kmem":{"containers_found":0,"containers_sampled":0,"containers_active":0,"containers_inactive":0,"containers_error":0},"memory":{},"runtimes":{"runc":[]},"kernel_log":{}}`,
		"bad kmem state": `{"schema":"kaudit.facts/v1","host":"h","collector":{"sudo":false,"bytes":0,"truncated":false,"duration_ms":0,"exit":0},"sources":{},"os":{},"kernel":{},"boot":{"persisted":[]},"cgroup":{},"kmem":{"kubepods":{"path":"/x","state":"on"},"containers_found":0,"containers_sampled":0,"containers_active":0,"containers_inactive":0,"containers_error":0},"memory":{},"runtimes":{"runc":[]},"kernel_log":{}}`,
	} {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		if s.Validate(v) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
