package policies

import "testing"

func TestAtOrAboveAndBlocks(t *testing.T) {
	for _, tc := range []struct {
		sev, status, failOn string
		at, blocks          bool
	}{
		{"critical", StatusFail, "high", true, true},
		{"high", StatusFail, "high", true, true},
		{"medium", StatusFail, "high", false, false},
		{"info", StatusUnknown, "info", true, true},
		{"low", StatusError, "medium", false, false},
		{"bogus", StatusFail, "critical", true, true}, // an unranked severity never slips under
		{"critical", StatusPass, "info", true, false},
		{"critical", StatusNotApplicable, "info", true, false},
		{"critical", StatusWaived, "info", true, false},
		{"high", "later_status", "high", true, true},
	} {
		if got := AtOrAbove(tc.sev, tc.failOn); got != tc.at {
			t.Errorf("AtOrAbove(%q, %q) = %v, want %v", tc.sev, tc.failOn, got, tc.at)
		}
		if got := Blocks(&Result{Severity: tc.sev, Status: tc.status}, tc.failOn); got != tc.blocks {
			t.Errorf("Blocks(%s %s, %q) = %v, want %v", tc.sev, tc.status, tc.failOn, got, tc.blocks)
		}
	}
	for _, s := range Severities {
		if err := ValidateFailOn(s); err != nil {
			t.Errorf("ValidateFailOn(%q) = %v", s, err)
		}
	}
	if err := ValidateFailOn("hgih"); err == nil {
		t.Error("ValidateFailOn(hgih) = nil")
	}
}
