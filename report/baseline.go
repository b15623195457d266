package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kaudit/kaudit/policies"
)

// Read decodes a kaudit.report/v1 document, e.g. the --baseline file. Fields
// it does not know are ignored (a newer kaudit may add some); a document of
// another schema is an error.
func Read(rd io.Reader) (*Report, error) {
	var r Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("read report: schema %q is not %s", r.Schema, Schema)
	}
	return &r, nil
}

// ApplyBaseline compares r with an earlier report and marks every result of
// r's hosts (not the gate's projected results):
//   - "new": it fails now and did not fail in the baseline (including a host
//     or check the baseline does not have);
//   - "fixed": it failed in the baseline and now passes or is not_applicable;
//   - "unchanged": anything else — still failing, still not failing, or a
//     failure that is now waived, unknown or error (not shown to be fixed).
//
// Failures of the baseline that r has no result for are listed in
// r.BaselineMissing (why: host_absent, host_unreachable, check_absent) rather
// than called fixed. Hosts and checks are matched by name and id. The
// summary's baseline counts are updated; r.Baseline (the file name) is the
// caller's to set.
func ApplyBaseline(r *Report, base *Report) {
	type key struct{ host, check string }
	baseFail := map[key]bool{}
	for _, bh := range base.Hosts {
		for _, res := range bh.Results {
			if res.Status == policies.StatusFail {
				baseFail[key{bh.Name, res.ID}] = true
			}
		}
	}
	present := map[key]bool{}
	status := map[string]string{}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		status[h.Name] = h.Status
		for j := range h.Results {
			res := &h.Results[j]
			k := key{h.Name, res.ID}
			present[k] = true
			was := baseFail[k]
			switch {
			case res.Status == policies.StatusFail && !was:
				res.Baseline = BaselineNew
			case was && (res.Status == policies.StatusPass || res.Status == policies.StatusNotApplicable):
				res.Baseline = BaselineFixed
			default:
				res.Baseline = BaselineUnchanged
			}
		}
	}
	r.BaselineMissing = nil
	for _, bh := range base.Hosts {
		for _, res := range bh.Results {
			k := key{bh.Name, res.ID}
			if res.Status != policies.StatusFail || present[k] {
				continue
			}
			why := "check_absent"
			switch st, ok := status[bh.Name]; {
			case !ok:
				why = "host_absent"
			case st == HostUnreachable:
				why = "host_unreachable"
			}
			r.BaselineMissing = append(r.BaselineMissing, BaselineMissing{
				Host: bh.Name, Check: res.ID, Title: res.Title, Severity: res.Severity, Why: why,
			})
		}
	}
	r.Summary.Baseline = baselineCounts(r)
}
