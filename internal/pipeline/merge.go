package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/report"
)

// MergeOptions control Shards.
type MergeOptions struct {
	// FailOn overrides the shards' threshold; "" takes theirs (they must
	// agree).
	FailOn string
	// Order is the host order of one run over the whole fleet (the
	// inventory's, after --limit); hosts it does not name follow, by name.
	// Empty: by name.
	Order []string
	// Rewaive: the caller re-applies the inventory's waivers to the merged
	// report, so waived results go back to their original status and the
	// shards' waiver notices are dropped (the run's waivers recompute both over
	// the whole fleet). Without it, shards that carry waivers are an error:
	// the recomputed fleet-wide results could not be waived, and "matches
	// nothing" notices would be per shard.
	Rewaive bool
}

// Shards is the Source of kaudit merge: the hosts of the JSON reports of
// shards (`kaudit run --shard K/N`, or any reports of disjoint sets of
// hosts evaluated with the same policies), so that the run gives the report
// one run over all their hosts gives: hosts in one list, the results of
// packs that read input.fleet recomputed over the union (the shards' are
// over their own hosts only; the other results are kept), then waivers,
// host statuses, summary and exit code derived again. eng must be the
// shards' policies and params (same policy digest). Baseline marks are
// removed: apply a baseline to the merged run. Gate reports cannot be
// merged (the fleet verdict and the plan's fleet rules are not per host).
// The run's Outcome.Hosts are every host's saved facts, as `kaudit run
// --facts-out` would write them.
func Shards(eng *policies.Engine, shards []*report.Report, opts MergeOptions) (Source, error) {
	if len(shards) == 0 {
		return nil, errors.New("merge: no report")
	}
	first := shards[0]
	var inventories []string
	seen := map[string]int{}
	m := &merged{meta: &report.Report{ToolVersion: first.ToolVersion, FailOn: opts.FailOn}}
	r := m.meta
	for i, s := range shards {
		switch {
		case s.Plan != nil:
			return nil, fmt.Errorf("merge: report %d is a gate report (kaudit gate): gate reports cannot be merged", i+1)
		case s.PolicyDigest != eng.Digest():
			return nil, fmt.Errorf("merge: report %d was evaluated with policies %s, this merge has %s: give merge the same -p packs and the inventory (-i, its params) the shards used", i+1, s.PolicyDigest, eng.Digest())
		case s.ToolVersion != first.ToolVersion:
			return nil, fmt.Errorf("merge: report %d is from kaudit %s, report 1 from %s: merge reports of one kaudit version", i+1, s.ToolVersion, first.ToolVersion)
		case opts.FailOn == "" && s.FailOn != first.FailOn:
			return nil, fmt.Errorf("merge: report %d used --fail-on %s, report 1 %s: pass --fail-on to merge", i+1, s.FailOn, first.FailOn)
		}
		if !slices.Contains(inventories, s.Inventory) {
			inventories = append(inventories, s.Inventory)
		}
		if r.StartedAt == "" || (s.StartedAt != "" && s.StartedAt < r.StartedAt) {
			r.StartedAt = s.StartedAt // RFC 3339 UTC: text order is time order
		}
		r.FinishedAt = max(r.FinishedAt, s.FinishedAt)
		// The shards run side by side (a CI matrix): the merged run's
		// duration is the longest shard's, not their sum (that is machine
		// time, not the time the fleet took) nor the span from the first
		// start to the last finish (shards of different days would count
		// the days between). 0 when no shard has duration_ms (older kaudit):
		// the renderers then use started_at..finished_at.
		r.DurationMS = max(r.DurationMS, s.DurationMS)
		r.Interrupted = r.Interrupted || s.Interrupted
		if err := mergeNotices(r, s, opts.Rewaive, i); err != nil {
			return nil, err
		}
		for _, h := range s.Hosts {
			if j, dup := seen[h.Name]; dup {
				return nil, fmt.Errorf("merge: host %s is in report %d and report %d: shards must not overlap (the same report twice, or shards of different N?)", h.Name, j+1, i+1)
			}
			seen[h.Name] = i
			h, err := shardHost(h, eng, opts.Rewaive)
			if err != nil {
				return nil, fmt.Errorf("merge: report %d: %w", i+1, err)
			}
			m.hosts = append(m.hosts, h)
		}
	}
	if r.FailOn == "" {
		r.FailOn = first.FailOn
	}
	r.Inventory = strings.Join(inventories, ",")
	sortHosts(m.hosts, opts.Order)
	return m, nil
}

// merged is the Shards source: the shards' hosts, and the report metadata
// they add up to.
type merged struct {
	meta  *report.Report
	hosts []report.Host
}

func (m *merged) Len() int { return len(m.hosts) }

func (m *merged) Hosts(_ context.Context, yield func(int, Host)) bool {
	for i, h := range m.hosts {
		yield(i, Host{
			FleetHost: facts.FleetHost{Name: h.Name, Address: h.Address, Groups: h.Groups, Labels: h.Labels, Reason: h.Reason, Error: h.Error, DurationMS: h.DurationMS, Facts: h.Facts},
			Evaluated: true,
			Results:   h.Results,
		})
	}
	return m.meta.Interrupted
}

// Stamp gives the merged report the shards' times, inventories, threshold,
// tool version and (non-waiver) notices.
func (m *merged) Stamp(r *report.Report) {
	r.ToolVersion = m.meta.ToolVersion
	r.StartedAt, r.FinishedAt, r.DurationMS = m.meta.StartedAt, m.meta.FinishedAt, m.meta.DurationMS
	r.Inventory, r.FailOn = m.meta.Inventory, m.meta.FailOn
	r.Interrupted = m.meta.Interrupted
	r.Notices = append(r.Notices, m.meta.Notices...)
}

// shardHost is a shard's host entry made ready for the merged report: the
// results of fleet-wide packs dropped (recomputed by Merge), baseline marks
// dropped, waivers undone when they are re-applied. A host that was
// evaluated must carry its facts (JSON reports do).
func shardHost(h report.Host, eng *policies.Engine, rewaive bool) (report.Host, error) {
	if h.Gate != "" || len(h.Projected) > 0 {
		return h, fmt.Errorf("host %s has a gate verdict: gate reports cannot be merged", h.Name)
	}
	if h.Facts == nil && len(h.Results) > 0 {
		return h, fmt.Errorf("host %s has results but no facts: merge needs the JSON report (it carries every host's facts)", h.Name)
	}
	rs := make([]policies.Result, 0, len(h.Results))
	for _, res := range h.Results {
		if eng.FleetPack(res.Pack) {
			continue
		}
		res.Baseline = ""
		if res.Status == policies.StatusWaived && res.Waiver != nil {
			if !rewaive {
				return h, fmt.Errorf("host %s: %s is waived: give merge the inventory (-i) so its waivers are applied again over the whole fleet", h.Name, res.ID)
			}
			res.Status, res.Waiver = res.Waiver.OriginalStatus, nil
		}
		rs = append(rs, res)
	}
	h.Results = rs
	return h, nil
}

// mergeNotices adds the shard's notices to r once each. Waiver notices are
// per shard ("matches nothing" may be false for the union): with rewaive
// they are dropped (recomputed), without it they are an error.
func mergeNotices(r, s *report.Report, rewaive bool, i int) error {
	for _, n := range s.Notices {
		if strings.HasPrefix(n.Subject, "waiver ") {
			if rewaive {
				continue
			}
			return fmt.Errorf("merge: report %d has waiver notices (%s: %s): give merge the inventory (-i) so its waivers are applied again over the whole fleet", i+1, n.Subject, n.Message)
		}
		if !slices.Contains(r.Notices, n) {
			r.Notices = append(r.Notices, n)
		}
	}
	return nil
}

// sortHosts orders hosts as order names them, then the others by name.
func sortHosts(hs []report.Host, order []string) {
	rank := make(map[string]int, len(order))
	for i, n := range order {
		if _, dup := rank[n]; !dup {
			rank[n] = i
		}
	}
	slices.SortStableFunc(hs, func(a, b report.Host) int {
		ra, oka := rank[a.Name]
		rb, okb := rank[b.Name]
		switch {
		case oka && okb:
			return cmp.Compare(ra, rb)
		case oka:
			return -1
		case okb:
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
