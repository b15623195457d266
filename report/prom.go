package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Prom renders the Prometheus text exposition format (version 0.0.4) for
// node_exporter's textfile collector: write it with --report prom=PATH into
// the collector's directory (the CLI writes atomically, so the collector
// never reads half a file). Every metric is a gauge; docs/history.md lists
// them.
type Prom struct{}

// promMetric is one metric family: its help, and its samples in order.
type promMetric struct {
	name, help string
	samples    []string
}

func (m *promMetric) add(labels []string, v float64) {
	m.samples = append(m.samples, m.name+promLabels(labels)+" "+strconv.FormatFloat(v, 'g', -1, 64))
}

// promLabels renders name/value pairs, values escaped (\\, \", \n).
func promLabels(kv []string) string {
	if len(kv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(promEscaper.Replace(kv[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

var promEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// Render writes r's metrics.
func (Prom) Render(w io.Writer, r *Report) error {
	families := promFamilies(r)
	bw := bufio.NewWriter(w)
	for _, m := range families {
		if len(m.samples) == 0 {
			continue
		}
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n", m.name, m.help, m.name)
		for _, s := range m.samples {
			bw.WriteString(s)
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

func promFamilies(r *Report) []*promMetric {
	fam := func(name, help string) *promMetric { return &promMetric{name: "kaudit_" + name, help: help} }
	var (
		runTime     = fam("run_timestamp_seconds", "When the run started, Unix seconds.")
		runDur      = fam("run_duration_seconds", "Wall time of the run.")
		interrupted = fam("run_interrupted", "1 when the run was interrupted.")
		hosts       = fam("hosts", "Hosts of the run by status.")
		unreachable = fam("unreachable_hosts", "Hosts that could not be audited.")
		hostStatus  = fam("host_status", "1 for the host's status (compliant, noncompliant, incomplete, unreachable).")
		hostDur     = fam("host_duration_seconds", "Time spent collecting from the host.")
		check       = fam("check_status", "1 for the status of each check on each host.")
		failing     = fam("check_failing_hosts", "Hosts failing each check.")
		num         = fam("memcg_num_cgroups", "Memory cgroups counted by /proc/cgroups (num_cgroups).")
		live        = fam("memcg_live_dirs", "Memory cgroup directories that exist.")
		dying       = fam("memcg_dying", "Dying memory cgroups: num_cgroups minus live directories.")
		idMax       = fam("memcg_id_max", "The memory cgroup ID cap.")
		sunr        = fam("slab_unreclaimable_bytes", "SUnreclaim of /proc/meminfo.")
		memTotal    = fam("memory_total_bytes", "MemTotal of /proc/meminfo.")
		slab        = fam("slab_caches", "Entries in /sys/kernel/slab.")
		sigs        = fam("kernel_log_signature_matches", "Kernel log lines matching each kmem leak signature.")
		info        = fam("host_info", "1, with the kernel release and runtime versions as labels.")
		growth      = fam("memcg_growth_per_day", "Theil-Sen growth of num_cgroups over the recorded runs.")
		eta         = fam("memcg_exhaustion_seconds", "Seconds from the last recorded point until num_cgroups reaches the forecast target at the current growth.")
		target      = fam("memcg_forecast_target", "The count the forecast projects to.")
	)
	if t, err := time.Parse(time.RFC3339, r.StartedAt); err == nil {
		runTime.add(nil, float64(t.Unix()))
		if d, ok := runDuration(r); ok {
			runDur.add(nil, d.Seconds())
		}
	}
	interrupted.add(nil, b2f(r.Interrupted))
	for _, st := range HostStatuses() {
		hosts.add([]string{"status", st}, float64(r.Summary.Hosts[st]))
	}
	unreachable.add(nil, float64(r.Summary.Hosts[HostUnreachable]))
	ids := make([]string, 0, len(r.Summary.Failing))
	for id := range r.Summary.Failing {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		failing.add([]string{"check", id}, float64(r.Summary.Failing[id]))
	}
	idMax.add(nil, memcgIDMax)
	for i := range r.Hosts {
		h := &r.Hosts[i]
		hl := []string{"host", h.Name}
		hostStatus.add(append(hl, "status", h.Status), 1)
		hostDur.add(hl, float64(h.DurationMS)/1000)
		for _, res := range h.Results {
			check.add([]string{"host", h.Name, "check", res.ID, "severity", res.Severity, "status", res.Status}, 1)
		}
		if f := h.Facts; f != nil {
			if v := f.Cgroup.MemoryNumCgroups; v != nil {
				num.add(hl, float64(*v))
			}
			if v := f.Cgroup.MemoryLiveDirs; v != nil {
				live.add(hl, float64(*v))
				if n := f.Cgroup.MemoryNumCgroups; n != nil {
					dying.add(hl, float64(max(*n-*v, 0)))
				}
			}
			if v, ok := f.Memory.Meminfo["SUnreclaim"]; ok {
				sunr.add(hl, float64(v)*1024)
			}
			if v, ok := f.Memory.Meminfo["MemTotal"]; ok {
				memTotal.add(hl, float64(v)*1024)
			}
			if v := f.Kmem.SlabEntries; v != nil {
				slab.add(hl, float64(*v))
			}
			names := make([]string, 0, len(f.KernelLog.Signatures))
			for id := range f.KernelLog.Signatures {
				names = append(names, id)
			}
			sort.Strings(names)
			for _, id := range names {
				if s := f.KernelLog.Signatures[id]; s != nil {
					sigs.add([]string{"host", h.Name, "signature", id}, float64(s.Count))
				}
			}
			var runc []string
			for _, b := range f.Runtimes.Runc {
				runc = append(runc, b.Version)
			}
			kubelet := ""
			if f.Runtimes.Kubelet != nil {
				kubelet = f.Runtimes.Kubelet.Version
			}
			info.add([]string{"host", h.Name, "kernel", f.Kernel.Release, "runc", strings.Join(runc, ","), "kubelet", kubelet}, 1)
		}
		if fc := h.Forecast; fc != nil {
			growth.add(hl, fc.SlopePerDay)
			target.add(hl, float64(fc.Target))
			if fc.DaysToTarget != nil {
				eta.add(hl, *fc.DaysToTarget*86400)
			}
		}
	}
	return []*promMetric{runTime, runDur, interrupted, hosts, unreachable, hostStatus, hostDur, check, failing,
		num, live, dying, idMax, sunr, memTotal, slab, sigs, info, growth, eta, target}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
