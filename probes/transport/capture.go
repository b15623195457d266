package transport

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// readCapped reads r until EOF or until more than max bytes arrived. It
// returns at most max bytes and whether there was more. Memory stays bounded
// by max (plus one read buffer): the caller stops the producer on truncation.
func readCapped(r io.Reader, max int64) ([]byte, bool, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if int64(len(data)) > max {
		return data[:max], true, err
	}
	return data, false, err
}

// stderrBuffer keeps the first max bytes written to it and drops the rest
// without failing the writer. It calls onSudo once, from the writer's
// goroutine, when the output shows sudo asking for a password or a tty.
type stderrBuffer struct {
	mu      sync.Mutex
	buf     []byte
	max     int
	onSudo  func()
	flagged bool
}

func (s *stderrBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	from := max(0, len(s.buf)-len(longestSudoPattern))
	if room := s.max - len(s.buf); room > 0 {
		s.buf = append(s.buf, p[:min(room, len(p))]...)
	}
	fire := !s.flagged && s.onSudo != nil && sudoLine(s.buf[from:]) != ""
	if fire {
		s.flagged = true
	}
	s.mu.Unlock()
	if fire {
		s.onSudo()
	}
	return len(p), nil
}

// Bytes returns a copy of what was kept.
func (s *stderrBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.buf)
}

const longestSudoPattern = "sudo: no tty present and no askpass program specified"

// sudoLine returns the first stderr line showing that sudo cannot run
// non-interactively (sudo -n, no tty) or that the user may not run the
// command; "" when there is none.
func sudoLine(stderr []byte) string {
	patterns := [...]string{
		"sudo: a password is required",
		"sudo: a terminal is required",
		"sudo: sorry, you must have a tty to run sudo",
		longestSudoPattern,
		"[sudo] password for ",
		" is not in the sudoers file",
		" is not allowed to execute ",
		"sudo: unable to open /etc/sudoers",
	}
	for _, p := range patterns {
		i := bytes.Index(stderr, []byte(p))
		if i < 0 {
			continue
		}
		start := bytes.LastIndexByte(stderr[:i], '\n') + 1
		end := bytes.IndexByte(stderr[i:], '\n')
		if end < 0 {
			end = len(stderr) - i
		}
		return Excerpt(stderr[start:i+end], 200)
	}
	return ""
}

// Excerpt renders untrusted remote bytes for a message: at most max bytes of
// input, invalid UTF-8 and control characters (ANSI escapes included) shown
// as '?', newlines as " | ", surrounding space trimmed.
func Excerpt(b []byte, max int) string {
	cut := len(b) > max
	if cut {
		b = b[:max]
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == '\n':
			sb.WriteString(" | ")
		case r == '\t':
			sb.WriteByte(' ')
		case r == utf8.RuneError && size <= 1, !unicode.IsPrint(r):
			sb.WriteByte('?')
		default:
			sb.WriteRune(r)
		}
	}
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(sb.String()), "|"))
	if cut {
		s += " …"
	}
	return s
}
