package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		name, in, one, multi string
	}{
		{"plain", "kernel 3.10.0-862.el7.x86_64", "kernel 3.10.0-862.el7.x86_64", "kernel 3.10.0-862.el7.x86_64"},
		{"markup stays text", hostilePretty, hostilePretty, hostilePretty},
		{"SGR colour", "\x1b[31mred\x1b[0m", "red", "red"},
		{"clear screen and cursor", "a\x1b[2J\x1b[H\x1b[10;20Hb", "ab", "ab"},
		{"OSC title with BEL", "x\x1b]0;owned\x07y", "xy", "xy"},
		{"OSC hyperlink with ST", "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link", "link"},
		{"OSC aborted by CSI", "a\x1b]0;t\x1b[31mb", "ab", "ab"},
		{"unterminated OSC swallows the rest", "a\x1b]0;never ends", "a", "a"},
		{"DCS", "a\x1bPqpayload\x1b\\b", "ab", "ab"},
		{"two-char escape", "a\x1bcb\x1b(Bc", "abc", "abc"},
		{"C1 CSI", "a\u009b31mb", "ab", "ab"},
		{"C1 OSC", "a\u009d0;t\u009cb", "ab", "ab"},
		{"C0 controls", "a\x00b\x07c\x08d\x7fe\rf", "abcdef", "abcdef"},
		{"newlines", "l1\nl2\u2028l3", "l1 l2 l3", "l1\nl2\nl3"},
		{"tab", "a\tb", "a b", "a b"},
		{"bidi override", "abc\u202egnp.exe\u202c", "abcgnp.exe", "abcgnp.exe"},
		{"invalid UTF-8", "a\xffb\xc3", "a\ufffdb\ufffd", "a\ufffdb\ufffd"},
		{"noncharacters", "a\ufffeb\uffff", "ab", "ab"},
		{"chinese kept", "内核 3.10 日志", "内核 3.10 日志", "内核 3.10 日志"},
		{"trailing ESC", "abc\x1b", "abc", "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cleanText(tc.in, false); got != tc.one {
				t.Errorf("one line: %q, want %q", got, tc.one)
			}
			if got := cleanText(tc.in, true); got != tc.multi {
				t.Errorf("multiline: %q, want %q", got, tc.multi)
			}
		})
	}
}

func TestXMLChars(t *testing.T) {
	in := "a\x00\x01\tb\nc\rd\ufffe\uffff\U0001F600\xff"
	if got, want := xmlChars(in), "a\tb\nc\rd\U0001F600\ufffd"; got != want {
		t.Errorf("xmlChars = %q, want %q", got, want)
	}
}

// checkClean asserts the invariants of cleanText's output.
func checkClean(t *testing.T, in, out string, multiline bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("cleanText(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		switch {
		case r == '\n' && multiline:
		case r < 0x20, r >= 0x7f && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0xfffe, r == 0xffff, r == 0x2028, r == 0x2029:
			t.Fatalf("cleanText(%q) = %q: contains %U", in, out, r)
		}
	}
	if x := xmlChars(out); x != out {
		t.Fatalf("cleanText output %q is not XML-clean", out)
	}
	if cleanText(out, multiline) != out {
		t.Fatalf("cleanText is not idempotent on %q", in)
	}
}

// FuzzCleanText: whatever a host sends, the output is valid UTF-8 with no
// control character, escape sequence introducer or bidi control, fits XML
// 1.0, and cleaning twice changes nothing.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{
		"SLUB: Unable to allocate memory on node -1 (gfp=0xd0)",
		"NMI watchdog: BUG: soft lockup - CPU#xx stuck for 22s!",
		"Nov 12 15:15:41 kernel: exe: page allocation failure: order:6, mode:0x10c0d0",
		"runc version 1.0.0-rc10\ncommit: dc9208a3303feef5b3839f4323d9beb36df0a9dd\nspec: 1.0.1-dev",
		"[五 7月  3 00:05:56 2020] kmem: usage 3868836kB, limit 9007199254740988kB, failcnt 0",
		hostilePretty,
		"dmesg: read kernel buffer failed: Operation not permitted\x1b]0;owned\x07\x1b[2J\x00",
		"\x1b[38;5;196m\u009b2J\u009d8;;x\u009c\x1bP\x1b\\\u202e",
		"\xff\xfe\xc3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkClean(t, s, cleanText(s, false), false)
		checkClean(t, s, cleanText(s, true), true)
		if strings.ContainsRune(cleanText(s, false), '\n') {
			t.Fatal("one-line output has a newline")
		}
	})
}
