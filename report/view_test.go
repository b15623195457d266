package report

import (
	"testing"
	"time"
)

func TestViewHelpers(t *testing.T) {
	for _, tc := range []struct{ start, end, want string }{
		{"2026-03-02T10:15:04Z", "2026-03-02T10:15:46Z", "42.0s"},
		{"2026-03-02T10:15:04Z", "2026-03-02T10:15:04Z", "<1s"},
		{"2026-03-02T10:15:04Z", "2026-03-02T11:17:04Z", "1h02m"},
		{"2026-03-02T10:15:04Z", "2026-03-02T10:15:03Z", ""},
		{"", "2026-03-02T10:15:03Z", ""},
	} {
		if got := runTook(&Report{StartedAt: tc.start, FinishedAt: tc.end}); got != tc.want {
			t.Errorf("runTook(%s, %s) = %q, want %q", tc.start, tc.end, got, tc.want)
		}
	}
	for d, want := range map[time.Duration]string{850 * time.Millisecond: "850ms", 125 * time.Second: "2m05s"} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q", d, got)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 5000: "5,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := comma(n); got != want {
			t.Errorf("comma(%d) = %q", n, got)
		}
	}
	for in, want := range map[string]string{"sha256:9f2c4e1ab3d07c55e8a1": "sha256:9f2c4e1ab3d0", "abc": "abc", "": ""} {
		if got := shortDigest(in); got != want {
			t.Errorf("shortDigest(%q) = %q", in, got)
		}
	}
	if hostsN(1) != "1 host" || hostsN(3) != "3 hosts" {
		t.Error("hostsN")
	}
}
