package parse

import (
	"fmt"
	"regexp"
	"strings"

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
	Message    string // its first output lines when it failed
	Signatures map[string]*facts.Signature
	Truncated  bool // counts are lower bounds
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
		case key == "lines":
		case key == "bytes":
			if n, err := atoi(rest); err == nil && n >= KernelLogInputMax {
				r.Truncated = true
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
