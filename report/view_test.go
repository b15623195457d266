package report

import (
	"testing"
	"time"

	"github.com/kaudit/kaudit/probes/transport"
)

func TestViewHelpers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, end string
		ms         int64
		want       string
	}{
		// duration_ms, measured: the real duration whatever the timestamps say.
		{"0.58 s in one second", "2026-03-02T10:15:04Z", "2026-03-02T10:15:05Z", 580, "0.58s"},
		{"3.13 s over two seconds", "2026-03-02T10:15:04Z", "2026-03-02T10:15:06Z", 3130, "3.1s"},
		{"42 s", "2026-03-02T10:15:04Z", "2026-03-02T10:15:46Z", 41960, "42.0s"},
		{"62 s", "2026-03-02T10:15:04Z", "2026-03-02T10:16:06Z", 62400, "1m02s"},
		{"no timestamps", "", "", 3130, "3.1s"},
		// Reports without duration_ms: the timestamps, whole seconds.
		{"old: 42 s", "2026-03-02T10:15:04Z", "2026-03-02T10:15:46Z", 0, "42s"},
		{"old: same second", "2026-03-02T10:15:04Z", "2026-03-02T10:15:04Z", 0, "<1s"},
		{"old: 62 s", "2026-03-02T10:15:04Z", "2026-03-02T10:16:06Z", 0, "1m02s"},
		{"old: an hour", "2026-03-02T10:15:04Z", "2026-03-02T11:17:04Z", 0, "1h02m"},
		{"old: out of order", "2026-03-02T10:15:04Z", "2026-03-02T10:15:03Z", 0, ""},
		{"old: no start", "", "2026-03-02T10:15:03Z", 0, ""},
	} {
		if got := runTook(&Report{StartedAt: tc.start, FinishedAt: tc.end, DurationMS: tc.ms}); got != tc.want {
			t.Errorf("%s: runTook(%s, %s, %d ms) = %q, want %q", tc.name, tc.start, tc.end, tc.ms, got, tc.want)
		}
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Millisecond, "<0.01s"},
		{5 * time.Millisecond, "0.01s"},
		{580 * time.Millisecond, "0.58s"},
		{994 * time.Millisecond, "0.99s"},
		{995 * time.Millisecond, "1.0s"},
		{3130 * time.Millisecond, "3.1s"},
		{59949 * time.Millisecond, "59.9s"},
		{59950 * time.Millisecond, "1m00s"},
		{62 * time.Second, "1m02s"},
		{62600 * time.Millisecond, "1m03s"},
		{time.Hour - time.Second, "59m59s"},
		{time.Hour - 100*time.Millisecond, "1h00m"},
		{time.Hour + 2*time.Minute + 40*time.Second, "1h03m"},
		{26 * time.Hour, "26h00m"},
	} {
		if got := fmtTook(tc.d); got != tc.want {
			t.Errorf("fmtTook(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if d, ok := runDuration(&Report{DurationMS: 3130, StartedAt: "2026-03-02T10:15:04Z", FinishedAt: "2026-03-02T10:15:06Z"}); !ok || d != 3130*time.Millisecond {
		t.Errorf("runDuration prefers duration_ms: %v %v", d, ok)
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

// TestReasonText: every unreachable/incomplete reason the transports give
// has words of its own in the reports, not its bare code.
func TestReasonText(t *testing.T) {
	for _, code := range []string{
		transport.ReasonDNS, transport.ReasonConnect, transport.ReasonTimeout, transport.ReasonHostKey,
		transport.ReasonAuth, transport.ReasonSudo, transport.ReasonCollector, transport.ReasonInterrupted,
	} {
		if got := reasonText(code); got == code || got == "" {
			t.Errorf("reasonText(%q) = %q: no words for it", code, got)
		}
	}
	if got := reasonText("something-new"); got != "something-new" {
		t.Errorf("an unknown code is shown as it is, got %q", got)
	}
}
