package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Remedies the transport writes at the end of its unreachable messages
// (probes/transport): the text report must show them whole.
const (
	remedyKeyscan = `ssh-keyscan -p 22 10.20.3.21 >> /home/ops/.ssh/known_hosts`
	remedyKeygen  = `ssh-keygen -R '10.20.3.22' -f /home/ops/.ssh/known_hosts`
	remedyTimeout = `or raise connect_timeout`
)

// unreachableReport is a fleet whose hosts fail to connect with the
// transport's real messages (long, remedy last), one host with a long
// address (the message goes under it), and one whose collector wrote 60
// lines of stderr (more than the summary shows).
func unreachableReport() *Report {
	var stderr []string
	for i := 1; i <= 60; i++ {
		stderr = append(stderr, fmt.Sprintf("collect.sh: line %d: /proc/%d/status: Permission denied", 100+i, 4000+i))
	}
	host := func(name, addr, reason, msg string) Host {
		return Host{Name: name, Address: addr, Groups: []string{"k8s-prod"}, Labels: map[string]string{}, Status: HostUnreachable, Reason: reason, Error: msg, DurationMS: 5000}
	}
	r := &Report{
		Schema: Schema, ToolVersion: "0.4.0", StartedAt: "2026-03-02T10:15:04Z", FinishedAt: "2026-03-02T10:15:07Z", DurationMS: 3130,
		Inventory: "inventories/prod.hcl", PolicyDigest: "sha256:9f2c4e1ab3d07c55e8a1", FailOn: "high", Checks: checkCatalogKmem(),
		Hosts: []Host{
			host("k8s-node-021", "10.20.3.21", "hostkey", `host key of 10.20.3.21:22 is not known (the server presented ssh-ed25519 SHA256:Zq3kP1d0yQw6m8VbXc2Rt5LnHs9GfJ4aUe7TiOoKpW0; looked in /home/ops/.ssh/known_hosts, /etc/ssh/ssh_known_hosts); verify the fingerprint, then add it with: `+remedyKeyscan+` — or set host_key_policy = "accept-new" to record keys on first contact`),
			host("k8s-node-022", "10.20.3.22", "hostkey", `HOST KEY CHANGED for 10.20.3.22:22: the server presented ssh-ed25519 SHA256:Zq3kP1d0yQw6m8VbXc2Rt5LnHs9GfJ4aUe7TiOoKpW0 but known_hosts has ssh-ed25519 SHA256:1bN8cVx7Qe2Wr4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb at /home/ops/.ssh/known_hosts:14. This may be a man-in-the-middle attack. If the change is expected, remove the old entry (`+remedyKeygen+`) and add the new key`),
			host("k8s-node-023", "10.20.3.23", "timeout", `10.20.3.23:22 accepted the connection but did not complete the SSH handshake within connect_timeout (10s); check that sshd answers there (MaxStartups, a firewall or a tarpit) `+remedyTimeout),
			host("edge-gateway-fra-01", "edge-gateway-fra-01.infra.example.internal", "connect", `no TCP connection to edge-gateway-fra-01.infra.example.internal:22 via bastion jump.example.internal (10s); check the address, port and firewalls, `+remedyTimeout),
			host("k8s-node-024", "10.20.3.24", "collector", "collector exited 2 (stderr: "+strings.Join(stderr, "\n")+")"),
		},
	}
	Finalize(r, "high")
	return r
}

func TestGoldenTextUnreachable(t *testing.T) {
	for _, tc := range []struct {
		golden string
		opts   Options
	}{
		{"text-unreachable.golden", Options{Width: 80}},
		{"text-unreachable-verbose.golden", Options{Width: 100, Verbose: true}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			checkGolden(t, tc.golden, render(t, &Text{Options: tc.opts}, unreachableReport()))
		})
	}
}

// unwrapped joins the report's lines with single spaces: what wrapping
// split is one run of text again.
func unwrapped(out []byte) string {
	return strings.Join(strings.Fields(string(out)), " ")
}

var noSpace = regexp.MustCompile(`\s+`)

// TestTextRemedyNeverCut: at every width, in the summary and the details,
// each remedy is shown whole, no line is wider than the width, and of the
// 60 lines of stderr the summary shows 40 and says where the other 20 are.
func TestTextRemedyNeverCut(t *testing.T) {
	for _, width := range []int{40, 60, 80, 100, 132, 200} {
		// At 40 columns the header and the verdict line are wider (TestTextWidth
		// checks from 60): only that no message is cut is checked there.
		for _, verbose := range []bool{false, true} {
			out := render(t, &Text{Options: Options{Width: width, Verbose: verbose}}, unreachableReport())
			flat := unwrapped(out)
			for _, want := range []string{remedyKeyscan, remedyKeygen, remedyTimeout, `record keys on first contact`, `and add the new key`, `check the address, port and firewalls, or raise connect_timeout`} {
				if !strings.Contains(flat, want) {
					t.Errorf("width %d verbose %v: %q cut:\n%s", width, verbose, want, out)
				}
			}
			// Every message is there whole, but for the bounded one.
			dense := noSpace.ReplaceAllString(string(out), "")
			for _, h := range unreachableReport().Hosts[:4] {
				if !strings.Contains(dense, noSpace.ReplaceAllString(h.Error, "")) {
					t.Errorf("width %d verbose %v: %s's message is cut:\n%s", width, verbose, h.Name, out)
				}
			}
			for i, line := range strings.Split(string(out), "\n") {
				if n := utf8.RuneCountInString(line); n > width && width >= 60 {
					t.Errorf("width %d verbose %v: line %d has %d runes: %q", width, verbose, i+1, n, line)
				}
			}
			// The summary entry is bounded at 40 lines (the message goes
			// under the host: the long address leaves too little beside it);
			// the details show all 60 lines of stderr.
			if width < 60 {
				continue
			}
			where := "--verbose, or the JSON report"
			if verbose {
				where = "the host's details below, and the JSON report"
			}
			summary, _, _ := strings.Cut(string(out), "\n── ")
			h := unreachableReport().Hosts[4]
			// Name and address take 65 columns: beside them below 105.
			avail := width - 65
			if width < 105 {
				avail = width - 6
			}
			total := len(wrap(h.Reason+" (collector failed): "+h.Error, avail))
			more := fmt.Sprintf(" … (%d more lines: %s)", total-40, where)
			if !strings.Contains(unwrapped([]byte(summary)), more) {
				t.Errorf("width %d verbose %v: summary lacks %q:\n%s", width, verbose, more, summary)
			}
			if verbose && !strings.Contains(flat, "line 160: /proc/4060/status: Permission denied)") {
				t.Errorf("width %d: the details lack the last line of stderr", width)
			}
		}
	}
}

// TestTextLongAddress: when the name and address columns leave less than
// 40 columns, each message goes under its host, indented, instead of into a
// column of a few characters; else beside it.
func TestTextLongAddress(t *testing.T) {
	for _, tc := range []struct {
		width int
		want  string
	}{
		{80, "  edge-gateway-fra-01  edge-gateway-fra-01.infra.example.internal\n      connect (cannot connect): no TCP connection to\n"},
		{60, "  edge-gateway-fra-01  edge-gateway-fra-01.infra.example.in…\n      connect (cannot connect): no TCP connection to\n"},
		{80, "  k8s-node-021  10.20.3.21\n      hostkey (host key not verified): host key of 10.20.3.21:22 is not known\n"},
		{105, "  edge-gateway-fra-01  edge-gateway-fra-01.infra.example.inter…  connect (cannot connect): no TCP\n" +
			strings.Repeat(" ", 65) + "connection to\n"},
		{105, "  k8s-node-021         10.20.3.21" + strings.Repeat(" ", 32) + "hostkey (host key not verified): host\n"},
	} {
		out := string(render(t, &Text{Options: Options{Width: tc.width}}, unreachableReport()))
		if !strings.Contains(out, tc.want) {
			t.Errorf("width %d: want\n%s\nin\n%s", tc.width, tc.want, out)
		}
	}
}

func TestHangBound(t *testing.T) {
	wide := strings.Repeat("日本語 ", 2000) // 3-byte runes: the byte bound comes first
	many := strings.Repeat("x\n", 10000)
	word := strings.Repeat("y", 4<<20) // one 4 MiB word: split, linear time
	for _, tc := range []struct {
		name       string
		text       string
		b          bound
		shown      int    // lines of text shown
		more       string // the closing line, "" for none
		maxBytes   int
		lastSuffix string
	}{
		{"short: whole", "a b c", listBound, 1, "", 0, "a b c"},
		{"no bound: whole", many, bound{}, 10000, "", 0, "x"},
		{"lines bound", many, listBound, 40, "… (9960 more lines: --verbose, or the JSON report)", 0, "x"},
		{"bytes bound", wide, listBound, 0, "more lines: --verbose, or the JSON report)", 4 << 10, ""},
		{"one huge word", word, listBound, 40, fmt.Sprintf("… (%d more lines: --verbose, or the JSON report)", (len(word)+97)/98-40), 0, "y"},
		{"one more line: singular", strings.Repeat("x\n", 41), listBound, 40, "… (1 more line: --verbose, or the JSON report)", 0, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &textOut{width: 100}
			o.hangBounded("  ", tc.text, tc.b)
			lines := strings.Split(strings.TrimSuffix(o.buf.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			if tc.more != "" {
				if !strings.Contains(last, tc.more) {
					t.Fatalf("last line %q, want %q", last, tc.more)
				}
				lines = lines[:len(lines)-1]
			} else if strings.Contains(last, "more line") {
				t.Fatalf("cut: %q", last)
			}
			if tc.shown > 0 && len(lines) != tc.shown {
				t.Errorf("%d lines shown, want %d", len(lines), tc.shown)
			}
			if tc.maxBytes > 0 {
				if n := len(strings.Join(lines, "\n")); n > tc.maxBytes+len(lines)*2 {
					t.Errorf("%d bytes shown, bound %d", n, tc.maxBytes)
				}
			}
			for _, l := range lines {
				if utf8.RuneCountInString(l) > 100 {
					t.Fatalf("line of %d runes", utf8.RuneCountInString(l))
				}
			}
			if !strings.HasSuffix(lines[len(lines)-1], tc.lastSuffix) {
				t.Errorf("last shown line %q", lines[len(lines)-1])
			}
		})
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, []string{""}},
		{"one two three", 7, []string{"one two", "three"}},
		{"abcdefghij kl", 4, []string{"abcd", "efgh", "ij", "kl"}},
		{"ab abcdefghij", 4, []string{"ab", "abcd", "efgh", "ij"}},
		{"a\n\nb\n\n", 10, []string{"a", "", "b"}},
		{"日本語日本語 x", 3, []string{"日本語", "日本語", "x"}},
		{"a\x1b[2Jb c", 10, []string{"ab c"}},
	} {
		if got := wrap(tc.in, tc.n); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestTextWidth(t *testing.T) {
	gate := sampleGateReport()
	gate.Notices = sampleNotices()
	Finalize(gate, "high")
	for _, width := range []int{60, 80, 132} {
		out := render(t, &Text{Options: Options{Verbose: true, Width: width}}, finishedSample(t))
		out = append(out, render(t, &Text{Options: Options{Verbose: true, Width: width}}, gate)...)
		for i, line := range strings.Split(string(out), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line %d has %d runes: %q", width, i+1, n, line)
			}
		}
	}
}
