package e2e

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/report"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// validateJSONSchema checks a JSON report against docs/report.schema.json
// (which references docs/facts.schema.json for each host's facts).
func validateJSONSchema(t *testing.T, path string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join(repoRoot, "docs/report.schema.json"))
	if err != nil {
		t.Fatalf("compile report schema: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not match docs/report.schema.json: %v", path, err)
	}
}

// validateJUnit checks the JUnit file against the Jenkins junit-10 XSD with
// xmllint and that it has one suite per host.
func validateJUnit(t *testing.T, path string, r *report.Report) {
	t.Helper()
	xmllint := testenv.Program(t, "libxml2-utils", "xmllint")
	out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(repoRoot, "testdata/reports/junit.xsd"), path).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse junit: %v", err)
	}
	if len(doc.Suites) != len(r.Hosts) {
		t.Errorf("junit has %d suites for %d hosts", len(doc.Suites), len(r.Hosts))
	}
}
