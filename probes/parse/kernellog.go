package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/facts"
)

// SignatureRule is one kernel-log leak signature: its facts.Sig* id and an
// extended regular expression valid in POSIX awk, grep -E and Go. collect.sh
// carries the same table (a test keeps them equal).
type SignatureRule struct {
	ID      string
	Pattern string
}

// SignatureRules returns the signature table (domain doc §2), in the order
// the collector reports them.
func SignatureRules() []SignatureRule {
	return []SignatureRule{
		{facts.SigSlubAlloc, `SLUB: Unable to allocate memory on node`},
		{facts.SigSoftLockup, `BUG: soft lockup - CPU#[^ ]+ stuck for`},
		{facts.SigPageAlloc, `page allocation failure: order:[0-9]+`},
		{facts.SigNfConntrack, `kmem_cache_create[(]nf_conntrack_[0-9a-f]+[)] failed|Unable to create nf_conn slab cache`},
		{facts.SigMemcgOOM, `Memory cgroup out of memory: Kill`},
		{facts.SigKmemUsage, `kmem: usage [0-9]+kB, limit [0-9]+kB, failcnt [0-9]+`},
		{facts.SigNoSpace, `mkdir /sys/fs/cgroup/memory/.*no space left on device`},
		{facts.SigOCIAlloc, `oci runtime error.*(exit status 6|cannot allocate memory)|setns process for init caused.*exit status 6|/sys/fs/cgroup/memory/.*cannot allocate memory`},
		{facts.SigNoSockets, `socket: no more sockets|Failed to initialize the ICMP6 control socket`},
	}
}

// Kernel log limits of the collector: grep fallback keeps the last lines;
// log files are read from their last KernelLogInputMax bytes.
const (
	KernelLogGrepLines = 200
	KernelLogInputMax  = 64 << 20
)

// KernelLogResult is a parsed kernel_log section.
type KernelLogResult struct {
	RC         int    // the log command's exit status (0 = it worked)
	Why        string // "timeout", "budget", "fork" when it did not run to its end
	Message    string // its first output lines when it failed
	Signatures map[string]*facts.Signature
	Truncated  bool   // counts are lower bounds
	Cut        bool   // the collector's byte cap cut the source
	Lines      int    // lines scanned
	Bytes      int64  // bytes scanned
	First      string // the first and last lines scanned
	Last       string
}

// ParseKernelLog parses one kernel_log section: the awk summary ("rc", "lines",
// "bytes", "err", "count <id> <n>", "latest <id> <line>") or, without awk,
// "rc", "mode grep" and the matching lines, which are classified here.
func ParseKernelLog(body []byte) (KernelLogResult, error) {
	r := KernelLogResult{RC: -1, Signatures: map[string]*facts.Signature{}}
	rules := SignatureRules()
	known := map[string]bool{}
	for _, s := range rules {
		known[s.ID] = true
	}
	var (
		grep  bool
		raw   []string
		errs  []string
		count = map[string]int{}
	)
	for _, l := range lines(body) {
		key, rest, _ := strings.Cut(l, " ")
		switch {
		case key == "rc" && r.RC == -1 && (rest == "timeout" || rest == "fork" || rest == "budget"):
			r.RC, r.Why = 124, rest
		case key == "rc" && r.RC == -1:
			n, err := atoi(rest)
			if err != nil {
				return r, fmt.Errorf("kernel_log: bad rc %q", clean(rest, MaxValue))
			}
			r.RC = n
		case r.RC == -1:
			return r, fmt.Errorf("kernel_log: no rc line")
		case key == "mode" && rest == "grep":
			grep = true
		case grep:
			if l != "" {
				raw = append(raw, l)
			}
		case key == "why":
			r.Why = clean(rest, MaxValue)
		case key == "cut" && rest == "1":
			r.Cut = true
		case key == "first":
			r.First = rest
		case key == "last":
			r.Last = rest
		case key == "lines":
			if n, err := atoi(rest); err == nil && n >= 0 {
				r.Lines = n
			}
		case key == "bytes":
			if n, err := atoi(rest); err == nil && n >= 0 {
				r.Bytes = int64(n)
				if n >= KernelLogInputMax {
					r.Truncated = true
				}
			}
		case key == "err":
			errs = append(errs, rest)
		case key == "count":
			id, n, _ := strings.Cut(rest, " ")
			if c, err := atoi(n); err == nil && known[id] && c >= 0 {
				count[id] = c
			}
		case key == "latest":
			id, line, _ := strings.Cut(rest, " ")
			if known[id] {
				sig := r.sig(id)
				sig.Latest = clean(line, MaxLatest)
			}
		}
	}
	if r.RC == -1 {
		return r, fmt.Errorf("kernel_log: no rc line")
	}
	r.Message = clean(strings.Join(errs, "\n"), MaxRaw)
	if grep {
		res := make([]*regexp.Regexp, len(rules))
		for i, s := range rules {
			res[i] = regexp.MustCompile(s.Pattern)
		}
		for _, l := range raw {
			for i, re := range res {
				if re.MatchString(l) {
					count[rules[i].ID]++
					r.sig(rules[i].ID).Latest = clean(l, MaxLatest)
				}
			}
		}
		if len(raw) >= KernelLogGrepLines {
			r.Truncated = true
		}
	}
	for id, c := range count {
		if c > 0 {
			r.sig(id).Count = c
		}
	}
	for id, s := range r.Signatures {
		if s.Count == 0 { // a latest line without a count
			delete(r.Signatures, id)
		}
	}
	if r.RC != 0 && r.Message == "" && grep && len(raw) > 0 {
		r.Message = clean(raw[0], MaxRaw)
	}
	return r, nil
}

func (r *KernelLogResult) sig(id string) *facts.Signature {
	s := r.Signatures[id]
	if s == nil {
		s = &facts.Signature{}
		r.Signatures[id] = s
	}
	return s
}

// kernelLogSource maps a kernel_log section source to KernelLog.Source.
func kernelLogSource(src string) string {
	if strings.HasPrefix(src, "journalctl") {
		return "journalctl"
	}
	return clean(src, MaxValue)
}

// kernelLog merges one kernel_log section into the facts: every source
// tried is listed in KernelLog.Scans; signatures of all sources add up (the
// count of a signature is the highest any one source saw, its latest line
// that source's); Complete is set when a source was read to its end. A
// source that failed before printing a summary is an error of the section.
func (b *builder) kernelLog(s collector.Section) *sectionError {
	f := b.f
	b.klogSeen = true
	scan := facts.KernelLogScan{Source: clean(kernelLogSource(s.Source), MaxValue)}
	if s.Source != "" && scan.Source == "" {
		scan.Source = clean(s.Source, MaxValue)
	}
	r, perr := ParseKernelLog(s.Body)
	scan.Lines, scan.Bytes = r.Lines, r.Bytes
	scan.First, scan.Last = clean(r.First, MaxLatest), clean(r.Last, MaxLatest)
	switch {
	case s.Why == collector.WhyBudget || r.Why == collector.WhyBudget:
		scan.Status, scan.Message = "budget", "not run: the collector's node budget was spent"
	case s.Why == collector.WhyFork || r.Why == collector.WhyFork:
		scan.Status, scan.Message = "fork", "the node could not start a process (fork failed)"
	case s.Why == collector.WhyTimeout || r.Why == collector.WhyTimeout:
		scan.Status = "timeout"
		scan.Message = fmt.Sprintf("timed out after %d lines (%d bytes): signatures in them are counted", r.Lines, r.Bytes)
	case s.Exit == -1:
		// before perr: an output that ended inside the section also lacks
		// its rc line; the host's collector.incomplete says why it ended
		scan.Status, scan.Message = "truncated", "the output ended inside this section"
	case perr != nil:
		scan.Status, scan.Message = "failed", clean(perr.Error(), MaxRaw)
	case r.RC != 0:
		scan.Status, scan.Message = "failed", clean(r.Message, MaxRaw)
	case r.Truncated || s.Truncated || r.Cut:
		scan.Status = "truncated"
		scan.Message = fmt.Sprintf("cut at the collector's cap after %d bytes: counts are lower bounds", r.Bytes)
	default:
		scan.Status = "complete"
	}
	f.KernelLog.Scans = append(f.KernelLog.Scans, scan)
	for id, sig := range r.Signatures {
		if f.KernelLog.Signatures == nil {
			f.KernelLog.Signatures = map[string]*facts.Signature{}
		}
		if cur := f.KernelLog.Signatures[id]; cur == nil || sig.Count > cur.Count {
			f.KernelLog.Signatures[id] = sig
		}
	}
	if len(r.Signatures) > 0 && scan.Status != "complete" {
		f.KernelLog.Truncated = true // counts from a partial source are lower bounds
	}
	if scan.Status == "complete" && !b.klogDone {
		b.klogDone = true
		f.KernelLog.Source = kernelLogSource(s.Source)
	}
	if f.KernelLog.Source == "" && (scan.Lines > 0 || len(r.Signatures) > 0) && !b.klogDone {
		// a partial source: named until a complete one is read
		f.KernelLog.Source = kernelLogSource(s.Source)
	}
	switch {
	case perr != nil:
		return parseErr(perr)
	case scan.Status == "failed":
		return &sectionError{class: classOr(ErrorClass(r.Message), facts.ErrOther), msg: r.Message}
	}
	return nil
}
