// Package parse turns the collector's framed sections into a kaudit.facts/v1
// document. Every parser is a pure function of one section's body; Build
// assembles them and records the provenance of every section. Remote output
// is untrusted: strings are capped and kept valid UTF-8 (invalid bytes become
// U+FFFD); nothing else is stripped — renderers escape.
package parse

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Caps on stored remote strings, in bytes.
const (
	MaxRaw     = 512  // Binary.Raw, Source.Message, short values
	MaxLatest  = 1024 // Signature.Latest
	MaxCmdline = 4096 // Boot.Cmdline, BootConfig.Args (the kernel's own limit is 2048-4096)
	MaxValue   = 256  // os-release values, names, paths
)

// errEmpty is returned by parsers given nothing to parse.
func errEmpty() error { return errors.New("empty output") }

// clean makes s valid UTF-8 and cuts it to at most max bytes on a rune
// boundary.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// lines splits body into lines without their "\n" (and a trailing "\r"); a
// final "\n" does not start an empty line.
func lines(body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	// One string per line, not substrings of one string of the body: a
	// fact that keeps one line (a mount point, a meminfo key) then keeps
	// that line alive, not the whole section, for as long as the report
	// holds the facts.
	body = bytes.TrimSuffix(body, []byte("\n"))
	out := make([]string, 0, bytes.Count(body, []byte("\n"))+1)
	for l := range bytes.SplitSeq(body, []byte("\n")) {
		out = append(out, string(bytes.TrimSuffix(l, []byte("\r"))))
	}
	return out
}

// firstLine is the first non-empty line of body, trimmed.
func firstLine(body []byte) string {
	for _, l := range lines(body) {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// atoi parses a decimal int, tolerating surrounding space.
func atoi(s string) (int, error) {
	return strconv.Atoi(strings.TrimSpace(s))
}

func intPtr(n int) *int    { return &n }
func boolPtr(b bool) *bool { return &b }
