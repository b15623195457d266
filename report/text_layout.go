package report

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ANSI SGR codes used by the text renderer.
const (
	ansiBold    = "1"
	ansiDim     = "2"
	ansiRed     = "31"
	ansiGreen   = "32"
	ansiYellow  = "33"
	ansiMagenta = "35"
	ansiCyan    = "36"
)

type textOut struct {
	buf   bytes.Buffer
	color bool
	width int
}

// c wraps s in an SGR colour when colours are on.
func (o *textOut) c(code, s string) string {
	if !o.color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (o *textOut) line(parts ...string) {
	for _, p := range parts {
		o.buf.WriteString(p)
	}
	o.buf.WriteByte('\n')
}

// clip cleans s to one line and cuts it to n display cells with "…".
func clip(s string, n int) string {
	s = cleanText(s, false)
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// pad right-pads s (already clean) to n runes.
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// wrap cleans s and wraps it into lines of at most n runes (a longer word is
// split, never dropped), keeping its own line breaks. Linear in len(s).
func wrap(s string, n int) []string {
	n = max(n, 1)
	var out []string
	for _, para := range strings.Split(cleanText(s, true), "\n") {
		cur, curN := "", 0
		for _, w := range strings.Fields(para) {
			wn := utf8.RuneCountInString(w)
			if wn > n {
				if cur != "" {
					out = append(out, cur)
				}
				rw := []rune(w)
				for len(rw) > n {
					out = append(out, string(rw[:n]))
					rw = rw[n:]
				}
				w, wn, cur, curN = string(rw), len(rw), "", 0
			}
			switch {
			case cur == "":
				cur, curN = w, wn
			case curN+1+wn <= n:
				cur, curN = cur+" "+w, curN+1+wn
			default:
				out = append(out, cur)
				cur, curN = w, wn
			}
		}
		out = append(out, cur)
	}
	for len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// bound limits how much of one message the text report shows. Messages can
// quote what a host sent (collector stderr, kernel log lines) and a report
// read back may come from anywhere, so a message is bounded, generously:
// the remedies kaudit writes (ssh-keyscan, ssh-keygen -R, raise
// connect_timeout) end a message of well under 1 KiB and are never cut. What
// is left out is counted and where it can be read is said.
type bound struct {
	lines, bytes int    // at most this many wrapped lines and bytes of text
	where        string // where the rest is, e.g. "--verbose, or the JSON report"
}

var (
	// listBound: one entry of the UNREACHABLE, INCOMPLETE, NONCOMPLIANT lists.
	listBound = bound{lines: 40, bytes: 4 << 10, where: "--verbose, or the JSON report"}
	// listBoundVerbose: the same with --verbose, whose host details follow.
	listBoundVerbose = bound{lines: 40, bytes: 4 << 10, where: "the host's details below, and the JSON report"}
	// detailBound: one message of a host's details (--verbose).
	detailBound = bound{lines: 400, bytes: 64 << 10, where: "the JSON report"}
)

// hang writes lead then text wrapped to the width, continuation lines
// indented to lead's visible width (lead may hold our colours). Nothing is
// cut; the whole text is shown.
func (o *textOut) hang(lead, text string) { o.hangBounded(lead, text, bound{}) }

// hangBounded is hang showing at most b (the zero bound: everything), then
// a line "… (N more lines: where)" when text was longer.
func (o *textOut) hangBounded(lead, text string, b bound) {
	ind := utf8.RuneCountInString(cleanText(lead, false))
	lines := wrap(text, max(o.width-ind, 20))
	more := 0
	if b.lines > 0 {
		n, size := 0, 0
		for n < len(lines) && n < b.lines && (n == 0 || size+len(lines[n])+1 <= b.bytes) {
			size += len(lines[n]) + 1
			n++
		}
		lines, more = lines[:n], len(lines)-n
	}
	for i, l := range lines {
		if i > 0 {
			lead = strings.Repeat(" ", ind)
		}
		if l == "" {
			o.line()
			continue
		}
		o.line(lead, l)
	}
	if more > 0 {
		o.dim(strings.Repeat(" ", ind), fmt.Sprintf("… (%d more %s: %s)", more, plural(more, "line", "lines"), b.where))
	}
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// dim writes s wrapped to the width in the dim colour, each line after
// indent.
func (o *textOut) dim(indent, s string) {
	for _, l := range wrap(s, max(o.width-utf8.RuneCountInString(indent), 20)) {
		o.line(indent, o.c(ansiDim, l))
	}
}
