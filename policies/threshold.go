package policies

import (
	"fmt"
	"strings"
)

// The one "at or above --fail-on" rule: the report's host status, the
// report's plan section and kaudit gate's go/no-go all read it from here.

// ValidateFailOn reports whether s is a severity usable as --fail-on.
func ValidateFailOn(s string) error {
	if SeverityRank(s) < 0 {
		return fmt.Errorf("fail-on %q: want one of %s", s, strings.Join(Severities, ", "))
	}
	return nil
}

// AtOrAbove reports whether severity sev reaches the threshold failOn. An
// unrecognised severity counts as reaching it: a result kaudit cannot rank
// must not slip under the threshold.
func AtOrAbove(sev, failOn string) bool {
	r := SeverityRank(sev)
	if r < 0 {
		return true
	}
	return r >= SeverityRank(failOn)
}

// Blocks reports whether res counts against its host at failOn: at or above
// the threshold and neither pass, not_applicable nor waived (so fail,
// unknown, error, or a status this version does not know). It is what stops
// kaudit gate.
func Blocks(res *Result, failOn string) bool {
	switch res.Status {
	case StatusPass, StatusNotApplicable, StatusWaived:
		return false
	}
	return AtOrAbove(res.Severity, failOn)
}
