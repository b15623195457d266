package policies

// Check result statuses (docs/policies.md, "The result contract").
const (
	StatusPass          = "pass"
	StatusFail          = "fail"
	StatusUnknown       = "unknown"
	StatusNotApplicable = "not_applicable"
	StatusWaived        = "waived"
	StatusError         = "error"
)

// Severities, most severe first.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// SeverityRank orders severities: critical=4 … info=0; -1 when unknown.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return len(Severities) - 1 - i
		}
	}
	return -1
}

// Result is one check's verdict for one host: the element of the report's
// hosts[].results[].
type Result struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Severity    string         `json:"severity"`
	Status      string         `json:"status"`
	Message     string         `json:"message"`
	Evidence    map[string]any `json:"evidence,omitempty"`
	Remediation string         `json:"remediation,omitempty"`
	Pack        string         `json:"pack,omitempty"`   // "kmem" for the built-in pack
	Waiver      *WaiverRef     `json:"waiver,omitempty"` // set when Status is waived
	// Baseline: "new", "fixed", "unchanged" when a baseline was given.
	Baseline string `json:"baseline,omitempty"`
	// Predicted marks a result computed on projected facts (the gate).
	Predicted bool `json:"predicted,omitempty"`
	// packed is Evidence encoded (Compact), Evidence then nil: read it with
	// EvidenceMap.
	packed []byte
}

// WaiverRef tells which waiver covered a result.
type WaiverRef struct {
	Reason         string `json:"reason"`
	Owner          string `json:"owner,omitempty"`
	Ticket         string `json:"ticket,omitempty"`
	Expires        string `json:"expires"`         // YYYY-MM-DD
	OriginalStatus string `json:"original_status"` // fail or unknown
}

// CheckInfo describes a check of a pack.
type CheckInfo struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Pack     string `json:"pack"`
}
