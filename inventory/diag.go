package inventory

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"
)

func (r *loadRun) errAt(rng hcl.Range, summary, format string, args ...any) {
	r.report(hcl.DiagError, rng, summary, format, args...)
}

func (r *loadRun) warnAt(rng hcl.Range, summary, format string, args ...any) {
	r.report(hcl.DiagWarning, rng, summary, format, args...)
}

func (r *loadRun) report(sev hcl.DiagnosticSeverity, rng hcl.Range, summary, format string, args ...any) {
	r.diags = append(r.diags, &hcl.Diagnostic{
		Severity: sev,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  rng.Ptr(),
	})
}

// Pos formats the start of a range as file:line:col (as Range.String), for
// diagnostics of every HCL file kaudit reads (inventories, gate plans).
func Pos(rng hcl.Range) string { return toRange(rng).String() }

func toRange(rng hcl.Range) Range {
	return Range{Filename: rng.Filename, Line: rng.Start.Line, Column: rng.Start.Column}
}

// String formats the position as file:line:col.
func (r Range) String() string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Line, r.Column)
}

// didYouMean returns ` Did you mean "x"?` for the closest name within a
// small edit distance (a third of the name's length, at least 1, and never
// the whole name), or "".
func didYouMean(given string, names []string) string {
	best, bestDist := "", -1
	limit := max(1, len(given)/3)
	for _, n := range names {
		d := levenshtein.Distance(given, n, nil)
		if d <= limit && d < len(given) && (bestDist < 0 || d < bestDist) {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// narrow returns the part [off, off+n) of the string literal expr when the
// literal is plain single-line ASCII written exactly as value (no escapes,
// no interpolation), so a diagnostic can underline the bad part of a host
// entry; otherwise the whole expression range. n == 0 means the whole.
func (r *loadRun) narrow(expr hcl.Range, value string, off, n int) hcl.Range {
	src := r.sources[expr.Filename]
	if n <= 0 || expr.End.Byte > len(src) || expr.Start.Byte < 0 {
		return expr
	}
	raw := src[expr.Start.Byte:expr.End.Byte]
	if len(raw) != len(value)+2 || raw[0] != '"' || string(raw[1:len(raw)-1]) != value || !isPlainASCII(value) {
		return expr
	}
	out := expr
	out.Start.Byte += 1 + off
	out.Start.Column += 1 + off
	out.End = out.Start
	out.End.Byte += n
	out.End.Column += n
	return out
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= utf8.RuneSelf || s[i] == '\\' || s[i] == '"' {
			return false
		}
	}
	return !strings.Contains(s, "${") && !strings.Contains(s, "%{")
}

// sortDiagnostics orders diagnostics by file (in load order) and position;
// those without a subject come first.
func sortDiagnostics(diags hcl.Diagnostics, fileOrder []string) {
	idx := make(map[string]int, len(fileOrder))
	for i, f := range fileOrder {
		idx[f] = i
	}
	key := func(d *hcl.Diagnostic) (int, int) {
		if d.Subject == nil {
			return -1, 0
		}
		return idx[d.Subject.Filename], d.Subject.Start.Byte
	}
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		af, ab := key(a)
		bf, bb := key(b)
		if af != bf {
			return af - bf
		}
		return ab - bb
	})
}

// WriteDiagnostics prints diagnostics the way Terraform does: severity and
// summary, the position as file:line:col, the source lines with the range
// underlined (^^^, and bold when color is set), then the detail wrapped to
// width (0 = no wrapping). files are the parsed files Load returned;
// a diagnostic whose file is missing is printed without a snippet.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, width uint, color bool) error {
	bw := bufio.NewWriter(w)
	for _, d := range diags {
		writeDiagnostic(bw, d, files, width, color)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

func writeDiagnostic(w *bufio.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, width uint, color bool) {
	sev, code := "Error", "\x1b[1;31m"
	if d.Severity == hcl.DiagWarning {
		sev, code = "Warning", "\x1b[1;33m"
	}
	bold, underline, reset := "", "", ""
	if color {
		bold, underline, reset = "\x1b[1m", "\x1b[1;4m", "\x1b[0m"
	} else {
		code = ""
	}
	fmt.Fprintf(w, "%s%s:%s %s%s%s\n", code, sev, reset, bold, d.Summary, reset)
	if d.Subject != nil {
		subj := *d.Subject
		var file *hcl.File
		if files != nil {
			file = files[subj.Filename]
		}
		ctxStr := ""
		if file != nil {
			if cs, ok := file.Nav.(interface{ ContextString(int) string }); ok {
				if s := cs.ContextString(subj.Start.Byte); s != "" {
					ctxStr = ", in " + s
				}
			}
		}
		fmt.Fprintf(w, "\n  on %s%s:\n", Pos(subj), ctxStr)
		if file != nil && file.Bytes != nil {
			writeSnippet(w, file.Bytes, subj, underline, reset)
		}
	}
	if d.Detail != "" {
		detail := d.Detail
		if width > 4 {
			detail = wordwrap.WrapString(detail, width-2)
		}
		fmt.Fprintf(w, "\n  %s\n", strings.ReplaceAll(detail, "\n", "\n  "))
	}
	fmt.Fprintln(w)
}

// writeSnippet prints the lines the range covers, each followed by a line of
// carets under the covered part.
func writeSnippet(w *bufio.Writer, src []byte, subj hcl.Range, underline, reset string) {
	if subj.Empty() {
		subj.End.Byte++
		subj.End.Column++
	}
	sc := hcl.NewRangeScanner(src, subj.Filename, bufio.ScanLines)
	for sc.Scan() {
		line := sc.Range()
		if !line.Overlaps(subj) && !(subj.Start.Byte == line.End.Byte && subj.Start.Line == line.Start.Line) {
			continue
		}
		text := sc.Bytes()
		from := max(subj.Start.Byte-line.Start.Byte, 0)
		to := min(subj.End.Byte-line.Start.Byte, len(text))
		if from > len(text) {
			from = len(text)
		}
		if to < from {
			to = from
		}
		fmt.Fprintf(w, "  %4d: %s%s%s%s%s\n", line.Start.Line, text[:from], underline, text[from:to], reset, text[to:])
		fmt.Fprintf(w, "        %s%s\n", caretPad(text[:from]), strings.Repeat("^", max(utf8.RuneCount(text[from:to]), 1)))
	}
}

// caretPad returns whitespace as wide as prefix, keeping tabs.
func caretPad(prefix []byte) string {
	var b strings.Builder
	for _, r := range string(prefix) {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
