// Package report holds the kaudit.report/v1 document and its renderers: one
// file per format behind the Renderer interface.
package report

import (
	"io"
	"strings"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
)

// Schema is the value of Report.Schema.
const Schema = "kaudit.report/v1"

// Host statuses.
const (
	HostCompliant    = "compliant"
	HostNoncompliant = "noncompliant"
	HostIncomplete   = "incomplete"
	HostUnreachable  = "unreachable"
)

// Report is the kaudit.report/v1 document (docs/reports.md, docs/report.schema.json).
type Report struct {
	Schema      string `json:"schema"`
	ToolVersion string `json:"tool_version"`
	StartedAt   string `json:"started_at"`  // RFC 3339 UTC
	FinishedAt  string `json:"finished_at"` // RFC 3339 UTC
	// DurationMS is the run's wall time in milliseconds, measured on the
	// monotonic clock (StartedAt and FinishedAt have whole seconds). Absent
	// (0) in reports of older kaudit versions: renderers then use
	// FinishedAt − StartedAt. A merged report has the longest shard's.
	DurationMS   int64   `json:"duration_ms,omitempty"`
	Inventory    string  `json:"inventory"` // inventory file(s), comma separated; "local" for the local machine
	PolicyDigest string  `json:"policy_digest"`
	FailOn       string  `json:"fail_on"`            // severity threshold used for host status and exit code
	Interrupted  bool    `json:"interrupted"`        // the run was cancelled; hosts not reached are unreachable/timeout
	Baseline     string  `json:"baseline,omitempty"` // baseline file compared against
	Summary      Summary `json:"summary"`
	Hosts        []Host  `json:"hosts"`
	// Checks lists every check of the packs (id, title, severity), so a
	// renderer can show checks no host produced.
	Checks []policies.CheckInfo `json:"checks,omitempty"`
	// Plan is set by kaudit gate.
	Plan *Plan `json:"plan,omitempty"`
	// BaselineMissing lists failures of the baseline that this run has no
	// result for (host or check absent, or host unreachable): neither fixed
	// nor still failing, as far as this run can tell.
	BaselineMissing []BaselineMissing `json:"baseline_missing,omitempty"`
	// Notices are problems found while preparing the report that change no
	// result and no exit code: today the inventory's waivers (expired,
	// expiring within 14 days, matching nothing, naming a critical check
	// without allow_critical). Every format shows them.
	Notices []Notice `json:"notices,omitempty"`
}

// Notice levels.
const (
	NoticeError   = "error"   // something does not do what its author meant
	NoticeWarning = "warning" // it works, but needs attention soon
)

// Notice is one problem of Report.Notices.
type Notice struct {
	Level   string `json:"level"` // NoticeError or NoticeWarning
	Message string `json:"message"`
	// Subject is what the notice is about, e.g. `waiver "kmem.runc"`.
	Subject string `json:"subject,omitempty"`
	// Position is where the subject is declared: file:line:col.
	Position string `json:"position,omitempty"`
}

// String formats the notice as "position: level: subject: message", the
// form the CLI prints on stderr.
func (n Notice) String() string {
	var b strings.Builder
	for _, part := range []string{n.Position, n.Level, n.Subject} {
		if part != "" {
			b.WriteString(part + ": ")
		}
	}
	return b.String() + n.Message
}

// Baseline marks of policies.Result.Baseline.
const (
	BaselineNew       = "new"
	BaselineFixed     = "fixed"
	BaselineUnchanged = "unchanged"
)

// BaselineMissing is a failure of the baseline without a result in this run.
type BaselineMissing struct {
	Host     string `json:"host"`
	Check    string `json:"check"`
	Title    string `json:"title,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Why: "host_absent" (not in this run), "host_unreachable", "check_absent".
	Why string `json:"why"`
}

// Summary counts hosts per host status and results per result status.
type Summary struct {
	Hosts   map[string]int `json:"hosts"`   // compliant, noncompliant, incomplete, unreachable (all keys present)
	Results map[string]int `json:"results"` // pass, fail, unknown, not_applicable, waived, error (all keys present)
	// Failing: check id → number of hosts failing it.
	Failing map[string]int `json:"failing"`
	// Baseline counts results per baseline mark (new, fixed, unchanged) and
	// "missing" (Report.BaselineMissing); set only when a baseline was applied.
	Baseline map[string]int `json:"baseline,omitempty"`
}

// Host is one host's outcome.
type Host struct {
	Name       string            `json:"name"`
	Address    string            `json:"address"`
	Groups     []string          `json:"groups"`
	Labels     map[string]string `json:"labels"`
	Status     string            `json:"status"`
	Reason     string            `json:"reason,omitempty"` // unreachable reason code
	Error      string            `json:"error,omitempty"`  // human message for unreachable / collector problems
	DurationMS int64             `json:"duration_ms"`
	Facts      *facts.Facts      `json:"facts,omitempty"`
	Results    []policies.Result `json:"results"`
	// Gate verdict per host, set by kaudit gate: "go" or "no-go".
	Gate         string            `json:"gate,omitempty"`
	GateBlockers []string          `json:"gate_blockers,omitempty"`
	Projected    []policies.Result `json:"projected,omitempty"`
	// Forecast is the memory cgroup exhaustion forecast (forecast.go), set
	// when the host has a num_cgroups history.
	Forecast *Forecast `json:"forecast,omitempty"`
}

// Gate verdicts of Host.Gate and Plan.Verdict.
const (
	GateGo   = "go"
	GateNoGo = "no-go"
)

// Plan is the gate section: what the upgrade plan changes and the fleet verdict.
type Plan struct {
	File    string   `json:"file"`
	Verdict string   `json:"verdict"` // "go" or "no-go"
	Reasons []string `json:"reasons,omitempty"`
	// Failing is how many of Reasons, from the first, are fleet rules that
	// failed (they make the verdict no-go); the rest passed with exceptions
	// or inform. 0 with a no-go verdict means not recorded: the renderers
	// then count every reason as failing.
	Failing int `json:"failing,omitempty"`
}

// Evidence keys of a projected result (kaudit gate): fact path → what the
// plan sets ("old → new"), and fact path → the predicted value and why.
const (
	EvidencePlanned   = "gate.planned"
	EvidencePredicted = "gate.predicted"
)

// Renderer writes a report in one format.
type Renderer interface {
	// Render writes r to w.
	Render(w io.Writer, r *Report) error
}
