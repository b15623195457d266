package report

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/policies"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFRuleHelp: with the built-in pack's documentation, each rule's
// fullDescription is the check's description and help.markdown is real
// markdown: remediation commands in code blocks, sources as links; the
// output still matches the SARIF 2.1.0 schema.
func TestSARIFRuleHelp(t *testing.T) {
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, SARIF{Describe: eng.Describe}, finishedSample(t))
	sch, err := jsonschema.NewCompiler().Compile("../testdata/sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(t, sch, out); err != nil {
		t.Fatalf("the SARIF 2.1.0 schema rejects the output: %v", err)
	}
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string
						ShortDescription struct{ Text string } `json:"shortDescription"`
						FullDescription  struct{ Text string } `json:"fullDescription"`
						Help             struct{ Text, Markdown string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	rules := map[string]int{}
	for i, ru := range doc.Runs[0].Tool.Driver.Rules {
		rules[ru.ID] = i
	}
	ru := doc.Runs[0].Tool.Driver.Rules[rules["kmem.accounting"]]
	d, _ := eng.Describe("kmem.accounting")
	if ru.FullDescription.Text != d.Description || ru.ShortDescription.Text != "kmem accounting inactive in container cgroups" {
		t.Errorf("descriptions: short %q, full %q", ru.ShortDescription.Text, ru.FullDescription.Text)
	}
	for _, want := range []string{
		"**Remediation**",
		"boot with cgroup.memory=nokmem:\n\n```sh\ngrubby --update-kernel=ALL --args=cgroup.memory=nokmem && reboot\n```",
		"verify after the reboot:\n\n```sh\ngrep -o cgroup.memory=nokmem /proc/cmdline && cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo (expect: Input/output error)\n```",
		"**Sources**",
		"[https://github.com/kubernetes/kubernetes/issues/61937](https://github.com/kubernetes/kubernetes/issues/61937)",
		"[docs/facts.md](https://github.com/kaudit/kaudit/blob/main/docs/facts.md)",
	} {
		if !strings.Contains(ru.Help.Markdown, want) {
			t.Errorf("kmem.accounting help.markdown lacks %q:\n%s", want, ru.Help.Markdown)
		}
	}
	if strings.Contains(ru.Help.Text, "```") || !strings.Contains(ru.Help.Text, "Remediation: boot with") {
		t.Errorf("help.text should stay plain: %q", ru.Help.Text)
	}
	// Every rule of the pack has its help.
	for _, ru := range doc.Runs[0].Tool.Driver.Rules {
		if ru.Help.Markdown == "" || ru.FullDescription.Text == ru.ShortDescription.Text {
			t.Errorf("rule %s: no help or no description", ru.ID)
		}
	}
}

func TestSARIFMarkdownHelpers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain *bold* _x_ <b>", `plain \*bold\* \_x\_ \<b\>`},
		{"see https://example.com/a_b, docs/policies.md (x)", `see [https://example.com/a\_b](https://example.com/a_b), [docs/policies.md](https://github.com/kaudit/kaudit/blob/main/docs/policies.md) (x)`},
		{"url at end https://github.com/torvalds/linux/commit/73f576c04b94.", "url at end [https://github.com/torvalds/linux/commit/73f576c04b94](https://github.com/torvalds/linux/commit/73f576c04b94)."},
	} {
		if got := mdLinks(c.in); got != c.want {
			t.Errorf("mdLinks(%q) =\n %q, want\n %q", c.in, got, c.want)
		}
	}
	if got := mdFence("a ``` b"); got != "````sh\na ``` b\n````" {
		t.Errorf("fence %q", got)
	}
	if got := remediationSteps("x\ny; z"); len(got) != 1 {
		t.Errorf("multi-line remediation split: %q", got)
	}
}
