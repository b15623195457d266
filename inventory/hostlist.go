package inventory

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxHosts caps the whole inventory (host blocks plus expanded group
// entries). Entries are counted before they are expanded, so a hostile or
// mistyped range cannot exhaust memory.
const maxHosts = 100_000

// maxRangeDigits bounds each range bound so counting cannot overflow.
const maxRangeDigits = 9

// entryError is a mistake in one group hosts entry. Off is the byte offset
// inside the entry where it was found, Len the length of the offending part
// (0 = the whole entry), so diagnostics can point inside the string literal.
type entryError struct {
	Off, Len int
	Msg      string
}

func (e *entryError) Error() string { return e.Msg }

// hostPattern is one parsed entry of a group's hosts list: a host name
// pattern with optional numeric ranges, an IP literal, and an optional port.
type hostPattern struct {
	text  string        // the entry as written
	parts []patternPart // literal text and ranges of the host part, in order
	port  int           // 0 = not given in the entry
	// suffix is what follows the host part in every expanded name (":port").
	suffix string
	// bracketed is set for "[v6]:port" entries, whose name keeps the brackets.
	bracketed bool
}

// patternPart is either literal text or, when isRange is set, the numbers
// lo..hi printed with zero padding to width digits.
type patternPart struct {
	lit     string
	isRange bool
	lo, hi  uint64
	width   int
}

// parseHostPattern parses one hosts entry:
//
//	worker-[001:120].dc1.example.com   ranges keep the start's zero padding
//	10.20.0.[5:9]                      several ranges expand as a product
//	db.example.com:2222                host:port
//	2001:db8::1                        bare IPv6 literal
//	[2001:db8::1]:2222                 IPv6 literal with a port
func parseHostPattern(s string) (*hostPattern, error) {
	if s == "" {
		return nil, &entryError{Msg: "empty host entry"}
	}
	if i := strings.IndexFunc(s, isSpaceOrControl); i >= 0 {
		return nil, &entryError{Off: i, Len: 1, Msg: fmt.Sprintf("host entry %q contains a space or control character", s)}
	}
	p := &hostPattern{text: s}

	// [IPv6] or [IPv6]:port
	if s[0] == '[' {
		if end := strings.IndexByte(s, ']'); end > 0 {
			inner := s[1:end]
			if addr, err := netip.ParseAddr(inner); err == nil && addr.Is6() {
				rest := s[end+1:]
				switch {
				case rest == "":
				case rest[0] == ':':
					port, err := parsePort(rest[1:])
					if err != nil {
						return nil, &entryError{Off: end + 2, Len: len(rest) - 1, Msg: err.Error()}
					}
					p.port = port
					p.suffix = rest
					p.bracketed = true
				default:
					return nil, &entryError{Off: end + 1, Len: len(rest), Msg: fmt.Sprintf("unexpected %q after the IPv6 literal [%s]; write [%s]:PORT", rest, inner, inner)}
				}
				p.parts = []patternPart{{lit: inner}}
				return p, nil
			}
		}
	}
	// Bare IPv6 literal.
	if addr, err := netip.ParseAddr(s); err == nil && addr.Is6() {
		p.parts = []patternPart{{lit: s}}
		return p, nil
	}

	host := s
	if i := lastColonOutsideBrackets(s); i >= 0 {
		if strings.Count(stripBrackets(s[:i]), ":") > 0 {
			return nil, &entryError{Msg: fmt.Sprintf("host entry %q has several colons: write an IPv6 address with a port as [ADDRESS]:PORT", s)}
		}
		host = s[:i]
		port, err := parsePort(s[i+1:])
		if err != nil {
			return nil, &entryError{Off: i + 1, Len: len(s) - i - 1, Msg: err.Error()}
		}
		p.port = port
		p.suffix = s[i:]
	}
	if host == "" {
		return nil, &entryError{Msg: fmt.Sprintf("host entry %q has no host name before the port", s)}
	}
	parts, err := parseRanges(host)
	if err != nil {
		return nil, err
	}
	p.parts = parts
	return p, nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// lastColonOutsideBrackets returns the index of the last ':' that is not
// inside a [..] range, or -1.
func lastColonOutsideBrackets(s string) int {
	depth, last := 0, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				last = i
			}
		}
	}
	return last
}

// stripBrackets removes every [..] section (ranges) from s.
func stripBrackets(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '[':
			depth++
		case s[i] == ']':
			depth--
		case depth == 0:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func parsePort(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty port after ':'")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("port %q is not a number", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is out of range 1-65535", s)
	}
	return n, nil
}

// parseRanges splits a host name into literal parts and [lo:hi] ranges.
func parseRanges(host string) ([]patternPart, error) {
	var parts []patternPart
	litStart := 0
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c == ']':
			return nil, &entryError{Off: i, Len: 1, Msg: fmt.Sprintf("unbalanced ']' in host entry %q", host)}
		case c == '[':
			end := strings.IndexByte(host[i:], ']')
			if end < 0 {
				return nil, &entryError{Off: i, Len: len(host) - i, Msg: fmt.Sprintf("unterminated range in host entry %q: expected [START:END]", host)}
			}
			end += i
			if i > litStart {
				parts = append(parts, patternPart{lit: host[litStart:i]})
			}
			rp, err := parseRange(host[i : end+1])
			if err != nil {
				err.Off += i
				return nil, err
			}
			parts = append(parts, rp)
			i = end
			litStart = end + 1
		case !validHostChar(c):
			return nil, &entryError{Off: i, Len: 1, Msg: fmt.Sprintf("invalid character %q in host name %q: use letters, digits, '-', '_', '.' and [START:END] ranges", c, host)}
		}
	}
	if litStart < len(host) {
		parts = append(parts, patternPart{lit: host[litStart:]})
	}
	return parts, nil
}

func validHostChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
}

// parseRange parses "[lo:hi]" (brackets included).
func parseRange(text string) (patternPart, *entryError) {
	inner := text[1 : len(text)-1]
	bad := func(why string) (patternPart, *entryError) {
		return patternPart{}, &entryError{Len: len(text), Msg: fmt.Sprintf("malformed range %s: %s", text, why)}
	}
	if strings.ContainsRune(inner, '[') {
		return bad("ranges cannot nest")
	}
	lo, hi, ok := strings.Cut(inner, ":")
	if !ok {
		return bad("expected [START:END], e.g. [001:120]")
	}
	if lo == "" || hi == "" || !allDigits(lo) || !allDigits(hi) {
		return bad("START and END must be decimal numbers, e.g. [001:120]")
	}
	if len(lo) > maxRangeDigits || len(hi) > maxRangeDigits {
		return bad(fmt.Sprintf("bounds are limited to %d digits", maxRangeDigits))
	}
	l, _ := strconv.ParseUint(lo, 10, 64)
	h, _ := strconv.ParseUint(hi, 10, 64)
	if l > h {
		return patternPart{}, &entryError{Len: len(text), Msg: fmt.Sprintf("reversed range %s: START %s is greater than END %s; write [%s:%s]", text, lo, hi, hi, lo)}
	}
	return patternPart{isRange: true, lo: l, hi: h, width: len(lo)}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// count returns how many names the pattern expands to, saturating at
// limit+1 so the caller can reject it without expanding anything.
func (p *hostPattern) count(limit int) int {
	n := 1
	for _, part := range p.parts {
		if !part.isRange {
			continue
		}
		size := part.hi - part.lo + 1
		if size > uint64(limit) || uint64(n)*size > uint64(limit) {
			return limit + 1
		}
		n *= int(size)
	}
	return n
}

// expand calls fn with each host name (without port) in order: the
// rightmost range varies fastest.
func (p *hostPattern) expand(fn func(host string)) {
	buf := make([]byte, 0, len(p.text)+8)
	var rec func(i int, buf []byte)
	rec = func(i int, buf []byte) {
		if i == len(p.parts) {
			fn(string(buf))
			return
		}
		part := p.parts[i]
		if !part.isRange {
			rec(i+1, append(buf, part.lit...))
			return
		}
		for v := part.lo; v <= part.hi; v++ {
			rec(i+1, appendPadded(buf, v, part.width))
		}
	}
	rec(0, buf)
}

// appendPadded appends v in decimal, left-padded with zeros to width digits.
func appendPadded(buf []byte, v uint64, width int) []byte {
	var tmp [20]byte
	digits := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(digits); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, digits...)
}

// name is the inventory name of an expanded host: the entry with its ranges
// replaced, port included when the entry gave one.
func (p *hostPattern) name(host string) string {
	switch {
	case p.bracketed:
		return "[" + host + "]" + p.suffix
	default:
		return host + p.suffix
	}
}
