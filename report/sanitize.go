package report

import (
	"strings"
	"unicode/utf8"
)

// Remote strings (os-release, kernel log lines, messages quoting them) are
// untrusted: a hostile host must not repaint the operator's terminal, break a
// JUnit file or reorder text with bidi controls. cleanText is the one filter
// every renderer but JSON (which keeps the data as collected, escaped) puts
// them through.

// cleanText returns s fit for a terminal or a text node:
//   - invalid UTF-8 becomes U+FFFD;
//   - escape sequences are removed whole: CSI (ESC [ or U+009B … final byte),
//     OSC/DCS/SOS/PM/APC strings (ESC ] P X ^ _ or U+009D U+0090 U+0098 U+009E
//     U+009F … BEL or ST), and two-character ESC sequences;
//   - other C0 and C1 controls and DEL are dropped, CR included; TAB becomes
//     a space;
//   - newlines (LF, U+2028, U+2029) are kept when multiline, else become a
//     space;
//   - bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069)
//     and the noncharacters U+FFFE, U+FFFF are dropped.
func cleanText(s string, multiline bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b:
			i = skipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == 0x2028 || r == 0x2029:
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
		case r == 0xfffe || r == 0xffff:
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only: the common case, left as is.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// skipEscape returns the index after the escape sequence whose ESC ends
// just before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// ESC, intermediates 0x20–0x2F, one final byte 0x30–0x7E.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips parameter (0x30–0x3F) and intermediate (0x20–0x2F) bytes and
// the final byte (0x40–0x7E). A byte outside those ranges ends the sequence
// without being consumed.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips a control string up to and including its terminator: BEL,
// ESC \ or C1 ST (U+009C). Unterminated, it runs to the end of s, as a
// terminal would swallow it.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // an ESC aborts the string and starts a sequence of its own
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}

// xmlChars drops what XML 1.0 forbids (controls but TAB, LF, CR; surrogates;
// U+FFFE, U+FFFF) and replaces invalid UTF-8 with U+FFFD.
func xmlChars(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // range yields U+FFFD for invalid UTF-8
		if r == 0x9 || r == 0xa || r == 0xd ||
			(r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
