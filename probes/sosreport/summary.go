package sosreport

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/kaudit/kaudit/probes/parse"
)

// logSummary is a kernel log's signature summary, in the body format of the
// collector's kernel_log section (collect.sh KLOG_AWK).
type logSummary struct {
	lines, bytes int64
	count        map[string]int
	latest       map[string]string
	truncated    bool
}

// maxLine bounds one log line; longer lines are judged by their first
// maxLine bytes, as the collector's awk keeps the first 1024 of the latest.
const maxLine = 64 << 10

// logMatchers: parse.SignatureRules compiled once (a fixed table; the
// compiled expressions are never changed), each and as one alternation that
// skips the lines matching none.
var logMatchers = sync.OnceValue(func() (m struct {
	rules []parse.SignatureRule
	res   []*regexp.Regexp
	any   *regexp.Regexp
}) {
	m.rules = parse.SignatureRules()
	parts := make([]string, len(m.rules))
	for i, s := range m.rules {
		m.res = append(m.res, regexp.MustCompile(s.Pattern))
		parts[i] = s.Pattern
	}
	m.any = regexp.MustCompile(strings.Join(parts, "|"))
	return m
})

// summarise scans a kernel log for parse.SignatureRules.
func summarise(r io.Reader) (*logSummary, error) {
	m := logMatchers()
	rules, res, anyRE := m.rules, m.res, m.any
	s := &logSummary{count: map[string]int{}, latest: map[string]string{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			s.lines++
			s.bytes += int64(len(line)) + 1
			if anyRE.Match(line) {
				for i, re := range res {
					if re.Match(line) {
						s.count[rules[i].ID]++
						l := line
						if len(l) > 1024 {
							l = l[:1024]
						}
						s.latest[rules[i].ID] = string(l)
					}
				}
			}
		}
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readLine returns the next line without its newline, cut to maxLine bytes
// (the rest of a longer line is skipped).
func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(out) < maxLine {
			room := maxLine - len(out)
			if len(frag) < room {
				room = len(frag)
			}
			out = append(out, frag[:room]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(out) > 0 && out[len(out)-1] == '\n' {
			out = out[:len(out)-1]
		}
		return out, err
	}
}

// body renders the summary as a kernel_log section body.
func (s *logSummary) body() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "rc 0\nlines %d\nbytes %d\n", s.lines, s.bytes)
	for _, r := range parse.SignatureRules() {
		if c := s.count[r.ID]; c > 0 {
			fmt.Fprintf(&b, "count %s %d\nlatest %s %s\n", r.ID, c, r.ID, strings.ReplaceAll(s.latest[r.ID], "\r", " "))
		}
	}
	return []byte(b.String())
}
