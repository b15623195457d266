package policies

import "testing"

// TestThresholds reads the pack's version facts from its Rego: the string
// entries, not the backport ranges.
func TestThresholds(t *testing.T) {
	th, err := Thresholds()
	if err != nil {
		t.Fatal(err)
	}
	if th["runc_safe"] != "1.0.0-rc94" || th["kernel_fixed"] != "4.7" {
		t.Errorf("Thresholds() = %v", th)
	}
	if _, ok := th["kernel_backports"]; ok {
		t.Errorf("kernel_backports is not a string and must be left out: %v", th)
	}
	if len(th) < 10 {
		t.Errorf("Thresholds() has %d entries: %v", len(th), th)
	}
}
