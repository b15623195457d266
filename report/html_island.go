package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// The JSON data island. Keys are short: at 5,000 hosts every byte repeats
// 65,000 times. Strings that repeat across hosts (messages, remediation,
// evidence, OS names, kernels) are interned in "str" and referenced by index.
type islandDoc struct {
	FailOn   string        `json:"failOn"`
	Checks   []islandCheck `json:"checks"`
	Groups   []string      `json:"groups"`
	Str      []string      `json:"str"`
	Hosts    []islandHost  `json:"hosts"`
	Baseline bool          `json:"baseline"`
	Plan     bool          `json:"plan"`
}

type islandCheck struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Sev   string `json:"sev"`
	// Gate: the check is at or above fail-on.
	Gate bool `json:"gate"`
}

type islandHost struct {
	Name     string         `json:"n"`
	Addr     string         `json:"a"`
	Status   string         `json:"s"`
	Groups   []int          `json:"g"`
	Labels   [][2]string    `json:"l,omitempty"`
	OS       int            `json:"os"` // index into str; 0 is ""
	Kernel   int            `json:"k"`
	Runtimes []int          `json:"rt,omitempty"`
	Duration int64          `json:"d"`
	Reason   string         `json:"r,omitempty"`
	Error    string         `json:"e,omitempty"`
	Results  []islandResult `json:"res"`
	Gate     string         `json:"gate,omitempty"`
	Blockers []string       `json:"gb,omitempty"`
	Proj     []islandResult `json:"proj,omitempty"`
	// Explain: sentences (indexes into str) on verdicts that look
	// contradictory (html_explain.go).
	Explain []int `json:"x,omitempty"`
	// ProjStatus is the host status after the plan (gate reports).
	ProjStatus string `json:"ps,omitempty"`
}

type islandResult struct {
	Check    int        `json:"c"`
	Status   string     `json:"s"`
	Message  int        `json:"m"`
	Fix      int        `json:"fx,omitempty"`
	Evidence [][2]int   `json:"ev,omitempty"`
	Baseline string     `json:"b,omitempty"`
	Waiver   *islandWvr `json:"w,omitempty"`
	// Projected results only: computed on predicted facts, and the gate's
	// notes (path, text) of what the plan sets and what is predicted.
	Predicted bool     `json:"p,omitempty"`
	Planned   [][2]int `json:"pl,omitempty"`
	Notes     [][2]int `json:"pd,omitempty"`
}

type islandWvr struct {
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Ticket  string `json:"ticket,omitempty"`
	Expires string `json:"expires,omitempty"`
	Was     string `json:"was,omitempty"`
}

type interner struct {
	idx  map[string]int
	strs []string
}

// add interns s (already cleaned) and returns its index; "" is 0.
func (in *interner) add(s string) int {
	if i, ok := in.idx[s]; ok {
		return i
	}
	in.idx[s] = len(in.strs)
	in.strs = append(in.strs, s)
	return len(in.strs) - 1
}

func htmlData(r *Report) ([]byte, error) {
	in := &interner{idx: map[string]int{"": 0}, strs: []string{""}}
	one := func(s string) string { return cleanText(s, false) }
	multi := func(s string) string { return cleanText(s, true) }
	doc := islandDoc{FailOn: one(r.FailOn), Plan: r.Plan != nil, Baseline: r.Summary.Baseline != nil}
	catalog := checkCatalog(r)
	ci := map[string]int{}
	for i, c := range catalog {
		ci[c.ID] = i
		doc.Checks = append(doc.Checks, islandCheck{ID: one(c.ID), Title: one(c.Title), Sev: one(c.Severity), Gate: atOrAbove(c.Severity, r.FailOn)})
	}
	gi := map[string]int{}
	groups := htmlGroups(r)
	for i, g := range groups {
		gi[g] = i
		doc.Groups = append(doc.Groups, one(g))
	}
	pairs := func(kvs [][2]string) [][2]int {
		var out [][2]int
		for _, kv := range kvs {
			out = append(out, [2]int{in.add(one(kv[0])), in.add(multi(kv[1]))})
		}
		return out
	}
	// results lists current results; projected ones (projected) carry what
	// the detail shows of them: status, message, waiver and the gate's notes.
	results := func(rs []policies.Result, projected bool) []islandResult {
		out := make([]islandResult, 0, len(rs))
		for _, res := range sortedResults(rs) {
			ir := islandResult{Check: ci[res.ID], Status: one(res.Status), Message: in.add(multi(res.Message))}
			if projected {
				ir.Predicted = res.Predicted
				planned, predicted := gateNotes(&res)
				ir.Planned, ir.Notes = pairs(planned), pairs(predicted)
			} else {
				ir.Fix, ir.Baseline = in.add(multi(res.Remediation)), one(res.Baseline)
				ir.Evidence = pairs(evidencePairs(withoutGateNotes(res.EvidenceMap())))
			}
			if w := res.Waiver; w != nil {
				ir.Waiver = &islandWvr{Reason: one(w.Reason), Owner: one(w.Owner), Ticket: one(w.Ticket), Expires: one(w.Expires), Was: one(w.OriginalStatus)}
			}
			out = append(out, ir)
		}
		return out
	}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		ih := islandHost{
			Name: one(h.Name), Addr: one(h.Address), Status: one(h.Status), Groups: []int{},
			OS: in.add(one(hostOS(h))), Kernel: in.add(one(hostKernel(h))), Duration: h.DurationMS,
			Reason: one(h.Reason), Error: multi(h.Error), Results: results(h.Results, false),
			Gate: one(h.Gate),
		}
		for _, g := range h.Groups {
			ih.Groups = append(ih.Groups, gi[g])
		}
		for _, kv := range labelPairs(h.Labels) {
			k, v, _ := strings.Cut(kv, "=")
			ih.Labels = append(ih.Labels, [2]string{one(k), one(v)})
		}
		for _, rt := range hostRuntimes(h) {
			ih.Runtimes = append(ih.Runtimes, in.add(one(rt)))
		}
		for _, x := range explain(h, r.FailOn) {
			ih.Explain = append(ih.Explain, in.add(one(x)))
		}
		for _, b := range h.GateBlockers {
			ih.Blockers = append(ih.Blockers, one(b))
		}
		if len(h.Projected) > 0 {
			ih.Proj = results(h.Projected, true)
		}
		if r.Plan != nil && h.Gate != "" {
			ih.ProjStatus = projectedStatus(h, r.FailOn)
		}
		doc.Hosts = append(doc.Hosts, ih)
	}
	doc.Str = in.strs
	out, err := json.Marshal(doc) // escapes <, >, &, U+2028 and U+2029
	if err != nil {
		return nil, fmt.Errorf("html report: data: %w", err)
	}
	if bytes.ContainsAny(out, "<>") {
		return nil, fmt.Errorf("html report: data island is not escaped")
	}
	return out, nil
}
