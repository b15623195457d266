package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// SARIF writes a SARIF 2.1.0 log for code-scanning dashboards: one rule per
// check, one result per host × check that failed (kind "fail", level from the
// severity), was unknown (kind "review", level "note") or was waived (the
// original verdict, with an external suppression carrying the waiver
// reason). Passes and not_applicable results are not written. Unreachable
// and incomplete hosts become tool execution notifications.
//
// Rules carry the checks' documentation when Describe is set (kaudit passes
// the policy engine's): fullDescription is the check's description, help
// its remediation and sources, as text and as markdown (commands in code
// blocks, sources as links; see sarifHelp).
type SARIF struct {
	Describe func(id string) (policies.CheckDoc, bool)
}

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	sarifMaxText = 4096
	// sarifFingerprintKey names the partialFingerprints entry.
	sarifFingerprintKey = "kauditHostCheck/v1"
)

// sarifLevel maps a check severity to a SARIF level.
func sarifLevel(severity string) string {
	switch severity {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "note"
}

// sarifFingerprint is stable per host × check, independent of the message.
func sarifFingerprint(host, check string) string {
	sum := sha256.Sum256([]byte("kaudit/v1|" + host + "|" + check))
	return hex.EncodeToString(sum[:])
}

func sarifText(s string) string {
	s = cleanText(s, true)
	if len(s) > sarifMaxText {
		s = s[:sarifMaxText] + "…"
	}
	return s
}

// sarifArtifact is the artifactLocation of the inventory file the hosts
// are declared in: code-scanning dashboards (GitHub's among them) show a
// result only with a physical location, and the inventory is the file a
// fleet's repository holds. A relative path stays relative (to the
// repository root the run started in: uploaders resolve it there), an
// absolute one becomes a file URI. Nil for the local machine, a sosreport
// and several inventory files (the report does not say which file
// declares which host).
func sarifArtifact(inventory string) map[string]any {
	if inventory == "" || inventory == "local" || inventory == "sosreport" || strings.Contains(inventory, ",") {
		return nil
	}
	p := filepath.ToSlash(inventory)
	u := url.URL{Path: p}
	if path.IsAbs(p) {
		u.Scheme = "file"
	}
	return map[string]any{"uri": u.String()}
}

// sarifLocation locates a result on its host: the inventory file as the
// physical location, and the host as logical locations — by name
// (fullyQualifiedName name@address) and by address, two names of the
// same node.
func sarifLocation(h *Host, artifact map[string]any) map[string]any {
	logical := []map[string]any{{"name": sarifText(h.Name), "fullyQualifiedName": sarifText(h.Name + "@" + h.Address), "kind": "resource"}}
	if h.Address != "" && h.Address != h.Name {
		logical = append(logical, map[string]any{"name": sarifText(h.Address), "fullyQualifiedName": sarifText(h.Address), "kind": "resource"})
	}
	loc := map[string]any{"logicalLocations": logical}
	if artifact != nil {
		loc["physicalLocation"] = map[string]any{"artifactLocation": artifact}
	}
	return loc
}

type sarifMsg struct {
	Text string `json:"text"`
}

// Render writes r as SARIF to w.
func (s SARIF) Render(w io.Writer, r *Report) error {
	c := normalized(r)
	type rule struct {
		ID               string         `json:"id"`
		Name             string         `json:"name"`
		ShortDescription sarifMsg       `json:"shortDescription"`
		FullDescription  sarifMsg       `json:"fullDescription"`
		DefaultConfig    map[string]any `json:"defaultConfiguration"`
		Help             map[string]any `json:"help,omitempty"`
		Properties       map[string]any `json:"properties"`
	}
	rules := []rule{}
	index := map[string]int{}
	describe := s.Describe
	addRule := func(id, title, severity, remediation string) {
		if i, ok := index[id]; ok {
			// a rule listed from the catalogue without documentation gets
			// its help from the first result that carries a remediation
			if rules[i].Help == nil && remediation != "" {
				rules[i].Help = sarifHelp(policies.CheckDoc{Remediation: remediation})
			}
			return
		}
		index[id] = len(rules)
		doc := policies.CheckDoc{CheckInfo: policies.CheckInfo{ID: id, Title: title, Severity: severity}}
		if describe != nil {
			if d, ok := describe(id); ok {
				doc = d
			}
		}
		if doc.Remediation == "" {
			doc.Remediation = remediation
		}
		full := doc.Description
		if full == "" {
			full = title
		}
		ru := rule{ID: id, Name: id, ShortDescription: sarifMsg{sarifText(title)},
			FullDescription: sarifMsg{sarifText(full)},
			DefaultConfig:   map[string]any{"level": sarifLevel(severity)},
			Properties:      map[string]any{"severity": severity, "tags": []string{"kaudit", severity}}}
		ru.Help = sarifHelp(doc)
		rules = append(rules, ru)
	}
	for _, ci := range c.Checks {
		addRule(ci.ID, ci.Title, ci.Severity, "")
	}
	artifact := sarifArtifact(c.Inventory)
	var results []map[string]any
	var notes []map[string]any
	for _, h := range c.Hosts {
		if h.Status == HostUnreachable || h.Status == HostIncomplete {
			notes = append(notes, map[string]any{
				"level":   "warning",
				"message": sarifMsg{sarifText(fmt.Sprintf("host %s (%s) %s: %s %s", h.Name, h.Address, h.Status, h.Reason, h.Error))},
			})
		}
		for _, res := range h.Results {
			st := res.Status
			if st == policies.StatusWaived && res.Waiver != nil {
				st = res.Waiver.OriginalStatus
			}
			if st != policies.StatusFail && st != policies.StatusUnknown {
				continue
			}
			addRule(res.ID, res.Title, res.Severity, res.Remediation)
			out := map[string]any{
				"ruleId":              res.ID,
				"ruleIndex":           index[res.ID],
				"message":             sarifMsg{sarifText(fmt.Sprintf("%s: %s", h.Name, res.Message))},
				"partialFingerprints": map[string]string{sarifFingerprintKey: sarifFingerprint(h.Name, res.ID)},
				"locations":           []map[string]any{sarifLocation(&h, artifact)},
			}
			if st == policies.StatusFail {
				out["kind"], out["level"] = "fail", sarifLevel(res.Severity)
			} else {
				out["kind"], out["level"] = "review", "note"
			}
			if res.Status == policies.StatusWaived && res.Waiver != nil {
				out["suppressions"] = []map[string]any{{"kind": "external", "justification": sarifText(res.Waiver.Reason)}}
			}
			results = append(results, out)
		}
	}
	if results == nil {
		results = []map[string]any{}
	}
	inv := map[string]any{"executionSuccessful": !c.Interrupted}
	if c.StartedAt != "" {
		inv["startTimeUtc"] = c.StartedAt
	}
	if c.FinishedAt != "" {
		inv["endTimeUtc"] = c.FinishedAt
	}
	if notes != nil {
		inv["toolExecutionNotifications"] = notes
	}
	driver := map[string]any{"name": "kaudit", "informationUri": "https://github.com/kaudit/kaudit", "rules": rules}
	if c.ToolVersion != "" {
		driver["version"] = c.ToolVersion
	}
	doc := map[string]any{
		"$schema": sarifSchema,
		"version": sarifVersion,
		"runs": []map[string]any{{
			"tool":        map[string]any{"driver": driver},
			"invocations": []map[string]any{inv},
			"results":     results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}
