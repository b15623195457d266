package sosreport

import (
	"strconv"
	"strings"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/facts"
)

// slabPaths: kernel.py's listing of /sys/kernel/slab, the collector's
// sys_kernel_slab count. sos 3.5-4.7 ran `ls -lt /sys/kernel/slab`
// (https://github.com/sosreport/sos/blob/3.9/sos/plugins/kernel.py); 4.8+
// calls add_dir_listing('/sys/kernel/slab'), which runs `ls -alZ`
// (https://github.com/sosreport/sos/blob/main/sos/report/plugins/kernel.py,
// sos/report/plugins/__init__.py add_dir_listing). sos names a command's
// output after the command, "/" as "." (_mangle_command).
var slabPaths = []string{
	"sos_commands/kernel/ls_-lt_.sys.kernel.slab",  // sos 3.5-4.7
	"sos_commands/kernel/ls_-alZ_.sys.kernel.slab", // sos 4.8+
}

// slabSection counts the entries of sos's /sys/kernel/slab listing, as the
// collector counts `/sys/kernel/slab/*`: one per `ls -l` entry line, not
// the "total" line, "." or "..". A cut listing (the file cap) or one with
// no entry line (ls failed: sos keeps its error text) gives no count, and
// the section says why.
func (t *Tree) slabSection() *collector.Section {
	e := t.firstEntry(slabPaths...)
	if e == nil {
		return nil
	}
	src := e.src + " (entries listed)"
	if e.truncated {
		return &collector.Section{Name: facts.SectionSlab, Source: src, Exit: 1,
			Body: []byte("/sys/kernel/slab: sos's listing is cut at the reader's file limit; entries not counted")}
	}
	n, ok := countListing(string(e.data))
	if !ok {
		return &collector.Section{Name: facts.SectionSlab, Source: src, Exit: 1,
			Body: []byte("/sys/kernel/slab: sos's listing holds no ls -l entry: " + clip(strings.TrimSpace(firstLine(e.data))))}
	}
	return &collector.Section{Name: facts.SectionSlab, Source: src, Body: []byte(strconv.Itoa(n) + "\n")}
}

// countListing counts the entry lines of an `ls -l`/`ls -alZ` listing of one
// directory. ok is false when no line is a listing line (neither "total N"
// nor an entry).
func countListing(s string) (n int, ok bool) {
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if f[0] == "total" && len(f) == 2 {
			ok = true
			continue
		}
		if !isMode(f[0]) || len(f) < 6 {
			continue
		}
		ok = true
		name := f[len(f)-1]
		if i := indexOf(f, "->"); i > 0 {
			name = f[i-1]
		}
		if name == "." || name == ".." {
			continue
		}
		n++
	}
	return n, ok
}

// isMode: an ls -l mode field ("drwxr-xr-x", "lrwxrwxrwx.", "-r--r--r--+").
func isMode(m string) bool {
	if len(m) < 10 || !strings.ContainsRune("-dlcbps", rune(m[0])) {
		return false
	}
	for _, c := range m[1:10] {
		if !strings.ContainsRune("-rwxsStT", c) {
			return false
		}
	}
	return len(m) == 10 || len(m) == 11 && strings.ContainsRune(".+@", rune(m[10]))
}

func indexOf(f []string, s string) int {
	for i, v := range f {
		if v == s {
			return i
		}
	}
	return -1
}
