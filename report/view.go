package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaudit/kaudit/policies"
)

// Helpers the renderers share: ordering, the check catalogue, and short
// descriptions of a host drawn from its facts.

// statusOrder ranks result statuses worst first; unknown statuses sort with
// unknown.
func statusOrder(s string) int {
	switch s {
	case policies.StatusFail:
		return 0
	case policies.StatusError:
		return 1
	case policies.StatusWaived:
		return 3
	case policies.StatusPass:
		return 4
	case policies.StatusNotApplicable:
		return 5
	}
	return 2
}

// hostOrder ranks host statuses worst first.
func hostOrder(s string) int {
	switch s {
	case HostNoncompliant:
		return 0
	case HostUnreachable:
		return 1
	case HostIncomplete:
		return 2
	case HostCompliant:
		return 4
	}
	return 3
}

// sortedResults returns a copy of results, worst status first, then most
// severe, then by id.
func sortedResults(results []policies.Result) []policies.Result {
	out := slices.Clone(results)
	slices.SortStableFunc(out, func(a, b policies.Result) int {
		return cmp.Or(
			cmp.Compare(statusOrder(a.Status), statusOrder(b.Status)),
			cmp.Compare(policies.SeverityRank(b.Severity), policies.SeverityRank(a.Severity)),
			cmp.Compare(a.ID, b.ID))
	})
	return out
}

// checkCatalog is every check of the report: r.Checks plus any check a
// result names that r.Checks lacks, most severe first, then by id.
func checkCatalog(r *Report) []policies.CheckInfo {
	seen := map[string]bool{}
	var out []policies.CheckInfo
	add := func(c policies.CheckInfo) {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	for _, c := range r.Checks {
		add(c)
	}
	for _, h := range r.Hosts {
		for _, res := range h.Results {
			add(policies.CheckInfo{ID: res.ID, Title: res.Title, Severity: res.Severity, Pack: res.Pack})
		}
	}
	slices.SortStableFunc(out, func(a, b policies.CheckInfo) int {
		return cmp.Or(cmp.Compare(policies.SeverityRank(b.Severity), policies.SeverityRank(a.Severity)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// hostOS names the host's OS from its facts: PRETTY_NAME, else the
// redhat-release line, else ID VERSION_ID. Untrusted; not cleaned.
func hostOS(h *Host) string {
	if h.Facts == nil {
		return ""
	}
	o := h.Facts.OS
	switch {
	case o.PrettyName != "":
		return o.PrettyName
	case o.RedhatRelease != "":
		return o.RedhatRelease
	}
	return strings.TrimSpace(o.ID + " " + o.VersionID)
}

// hostKernel is the running kernel release. Untrusted; not cleaned.
func hostKernel(h *Host) string {
	if h.Facts == nil {
		return ""
	}
	return h.Facts.Kernel.Release
}

// hostRuntimes lists the runtime versions found, e.g. "runc 1.0.0-rc10",
// "kubelet v1.15.5". Untrusted; not cleaned.
func hostRuntimes(h *Host) []string {
	if h.Facts == nil {
		return nil
	}
	rt := h.Facts.Runtimes
	var out []string
	add := func(name, version string) {
		if version == "" {
			version = "?"
		}
		out = append(out, name+" "+version)
	}
	for _, b := range rt.Runc {
		add(b.Name, b.Version)
	}
	if rt.Docker != nil {
		add("docker", rt.Docker.Version)
	}
	if rt.Containerd != nil {
		add("containerd", rt.Containerd.Version)
	}
	if rt.Kubelet != nil {
		add("kubelet", rt.Kubelet.Version)
	}
	return out
}

// labelPairs renders labels as sorted key=value strings.
func labelPairs(labels map[string]string) []string {
	out := make([]string, 0, len(labels))
	for k, v := range labels {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// evidencePairs flattens a result's evidence to sorted key/value strings:
// strings as they are, anything else as compact JSON.
func evidencePairs(ev map[string]any) [][2]string {
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := ev[k].(type) {
		case string:
			v = x
		case nil:
			v = "null"
		default:
			b, err := json.Marshal(x)
			if err != nil {
				v = fmt.Sprint(x)
			} else {
				v = string(b)
			}
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

// runDuration is the run's duration: DurationMS when set (measured), else
// FinishedAt − StartedAt (reports of kaudit before duration_ms: whole
// seconds); ok is false when neither is known (a timestamp does not parse,
// or they are out of order).
func runDuration(r *Report) (d time.Duration, ok bool) {
	if r.DurationMS > 0 {
		return msDuration(r.DurationMS), true
	}
	start, err1 := time.Parse(time.RFC3339, r.StartedAt)
	end, err2 := time.Parse(time.RFC3339, r.FinishedAt)
	if err1 != nil || err2 != nil || end.Before(start) {
		return 0, false
	}
	return end.Sub(start), true
}

// runTook prints the run's duration for people: from duration_ms
// "0.58s", "3.1s", "1m02s", "1h02m"; from the timestamps of an older report
// (whole seconds, each truncated: the run took between d-1 s and d+1 s)
// "42s", or "<1s" when they are equal; "" when unknown.
func runTook(r *Report) string {
	if r.DurationMS > 0 {
		return fmtTook(msDuration(r.DurationMS))
	}
	d, ok := runDuration(r)
	switch {
	case !ok:
		return ""
	case d < time.Second:
		return "<1s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmtDuration(d)
}

// fmtTook prints a measured duration in hundredths of a second under a
// second ("0.58s"), tenths under a minute ("3.1s", "42.0s"), then minutes
// and seconds ("1m02s"), then hours and minutes ("1h02m"); rounded, never
// "0.00s".
func fmtTook(d time.Duration) string {
	switch {
	case d < 5*time.Millisecond:
		return "<0.01s"
	case d < 995*time.Millisecond: // below, %.2f rounds to at most 0.99
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d < 59950*time.Millisecond: // below, %.1f rounds to at most 59.9
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour-500*time.Millisecond:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// hostsN is "1 host" or "N hosts" (N with thousands commas).
func hostsN(n int) string {
	if n == 1 {
		return "1 host"
	}
	return comma(n) + " hosts"
}

// msDuration converts milliseconds.
func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// fmtDuration prints a duration for people: 850ms, 1.8s, 2m05s, 1h02m.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// shortDigest shortens "sha256:<64 hex>" to "sha256:<12 hex>".
func shortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		algo, hex = "", d
	}
	if len(hex) > 12 {
		hex = hex[:12]
	}
	if algo == "" {
		return hex
	}
	return algo + ":" + hex
}

// reasonText explains an unreachable reason code.
func reasonText(code string) string {
	switch code {
	case "dns":
		return "name does not resolve"
	case "connect":
		return "cannot connect"
	case "timeout":
		return "timed out"
	case "hostkey":
		return "host key not verified"
	case "auth":
		return "authentication failed"
	case "sudo":
		return "sudo refused"
	case "collector":
		return "collector failed"
	case "interrupted":
		return "run interrupted"
	}
	return code
}
