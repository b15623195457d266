package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kaudit/kaudit/internal/testfleet"
)

// connCount sums what sshd logged for one run over the run's target hosts.
//
// Connections are counted per address from sshd's "Connection from ... on
// ADDR" lines. Exec requests are counted from "Starting session" lines, which
// name only the client's address and port; the kernel reuses a client port for
// concurrent connections to different fleet addresses, so those lines cannot
// be attributed to a host reliably. One exec per host is proven instead by:
// one connection per host, as many sessions as hosts, and no session id but 0
// (a second exec on a connection would be id 1).
type connCount struct {
	Conns       int // total connections to the target hosts
	Execs       int // total sessions (exec requests) started
	MinConn     int // per host
	MaxConn     int
	ExtraExecs  int // sessions with an id other than 0: more than one exec on a connection
	StrayConns  int // connections to fleet addresses outside the target hosts
	MissedHosts int // target hosts never connected to
}

// countConns summarises sshd's per-address connections and the sessions of
// one run for its target hosts.
func countConns(stats map[string]testfleet.ConnStats, sess sessionCount, hosts []testfleet.Host) connCount {
	c := connCount{MinConn: -1, Execs: sess.Total, ExtraExecs: sess.NonZeroID}
	in := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		in[h.Address] = true
		n := stats[h.Address].Connections
		c.Conns += n
		if n == 0 {
			c.MissedHosts++
		}
		if c.MinConn < 0 || n < c.MinConn {
			c.MinConn = n
		}
		c.MaxConn = max(c.MaxConn, n)
	}
	for addr, s := range stats {
		if !in[addr] {
			c.StrayConns += s.Connections
		}
	}
	c.MinConn = max(c.MinConn, 0)
	return c
}

// exactlyOne reports whether every host had exactly one connection carrying
// exactly one exec request, and nothing else was contacted.
func (c connCount) exactlyOne(hosts int) bool {
	return c.MinConn == 1 && c.MaxConn == 1 && c.StrayConns == 0 && c.Execs == hosts && c.ExtraExecs == 0
}

// sessionCount counts sshd's "Starting session" lines.
type sessionCount struct {
	Total     int
	NonZeroID int // "... id N" with N > 0: another session on a connection that had one
}

var sessionRe = regexp.MustCompile(`^Starting session: .* id (\d+)\s*$`)

func countSessions(log []byte) sessionCount {
	var c sessionCount
	for _, line := range strings.Split(string(log), "\n") {
		m := sessionRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		c.Total++
		if m[1] != "0" {
			c.NonZeroID++
		}
	}
	return c
}

// runResult is one measured run of one tool.
type runResult struct {
	Tool  string    `json:"tool"`
	Round int       `json:"round"`
	Hosts int       `json:"hosts"` // hosts targeted
	OK    int       `json:"ok"`    // hosts with the complete collector output
	Usage Usage     `json:"usage"`
	Conn  connCount `json:"ssh"`
	Load1 float64   `json:"load1"` // 1-minute load average just before the run
	// NodeCPUNS is the host side's CPU over the run: the fleet's sshds and
	// everything they reaped (see nodeCPU); 0 when it could not be read.
	NodeCPUNS int64  `json:"node_cpu_ns"`
	Failed    string `json:"failed,omitempty"`
}

// summary is the median over a tool's runs.
type summary struct {
	Tool        string  `json:"tool"`
	Title       string  `json:"title"`
	Runs        int     `json:"runs"`
	Hosts       int     `json:"hosts"`        // hosts measured per run
	FleetHosts  int     `json:"fleet_hosts"`  // N
	OK          int     `json:"ok"`           // median complete hosts
	WallS       float64 `json:"wall_s"`       // median wall, measured
	WallFleetS  float64 `json:"wall_fleet_s"` // median wall at N hosts (extrapolated when Hosts < N)
	WallMinS    float64 `json:"wall_min_s"`
	WallMaxS    float64 `json:"wall_max_s"`
	HostsPerS   float64 `json:"hosts_per_s"`
	CPUS        float64 `json:"cpu_s"`       // median client CPU, measured
	CPUFleetS   float64 `json:"cpu_fleet_s"` // at N hosts
	CPUPerHost  float64 `json:"cpu_ms_per_host"`
	NodePerHost float64 `json:"node_cpu_ms_per_host"` // median host-side CPU per host (sshd + remote command)
	MaxRSSMiB   float64 `json:"max_rss_mib"`
	PeakPSSMiB  float64 `json:"peak_pss_mib"`
	ConnPerHost float64 `json:"conn_per_host"`
	ExecPerHost float64 `json:"exec_per_host"`
	ExactlyOne  bool    `json:"exactly_one"` // every run: 1 connection and 1 exec per host
	Load1       float64 `json:"load1"`
	Ratio       float64 `json:"ratio_to_kaudit"` // WallFleetS / kaudit's
	Extrapolate bool    `json:"extrapolated"`
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summarise reduces a tool's runs to medians. fleetHosts is N; a tool run
// on fewer hosts is extrapolated linearly to N (and says so).
func summarise(tool, title string, runs []runResult, fleetHosts int) summary {
	s := summary{Tool: tool, Title: title, FleetHosts: fleetHosts, ExactlyOne: true}
	var wall, cpu, rss, pss, conn, exec, load, ok, node []float64
	for _, r := range runs {
		if r.Failed != "" {
			continue
		}
		s.Runs++
		s.Hosts = r.Hosts
		wall = append(wall, r.Usage.Wall().Seconds())
		cpu = append(cpu, r.Usage.CPU().Seconds())
		rss = append(rss, float64(r.Usage.MaxRSSKB)/1024)
		pss = append(pss, float64(r.Usage.PeakPSSKB)/1024)
		conn = append(conn, float64(r.Conn.Conns)/float64(max(r.Hosts, 1)))
		exec = append(exec, float64(r.Conn.Execs)/float64(max(r.Hosts, 1)))
		load = append(load, r.Load1)
		ok = append(ok, float64(r.OK))
		node = append(node, float64(r.NodeCPUNS)/1e6/float64(max(r.Hosts, 1)))
		s.ExactlyOne = s.ExactlyOne && r.Conn.exactlyOne(r.Hosts)
	}
	if s.Runs == 0 {
		s.ExactlyOne = false
		return s
	}
	s.WallS, s.CPUS = median(wall), median(cpu)
	s.WallMinS, s.WallMaxS = slices.Min(wall), slices.Max(wall)
	s.MaxRSSMiB, s.PeakPSSMiB = median(rss), median(pss)
	s.ConnPerHost, s.ExecPerHost = median(conn), median(exec)
	s.Load1 = median(load)
	s.NodePerHost = median(node)
	s.OK = int(median(ok))
	scale := float64(fleetHosts) / float64(s.Hosts)
	s.Extrapolate = s.Hosts != fleetHosts
	s.WallFleetS, s.CPUFleetS = s.WallS*scale, s.CPUS*scale
	if s.WallS > 0 {
		s.HostsPerS = float64(s.Hosts) / s.WallS
	}
	s.CPUPerHost = s.CPUS * 1000 / float64(s.Hosts)
	return s
}

// setRatios fills each summary's ratio to kaudit's wall time.
func setRatios(sums []summary) {
	var k float64
	for _, s := range sums {
		if s.Tool == toolKaudit {
			k = s.WallFleetS
		}
	}
	for i := range sums {
		if k > 0 {
			sums[i].Ratio = sums[i].WallFleetS / k
		}
	}
}

// printTable writes the one results table.
func printTable(w io.Writer, sums []summary) {
	head := []string{"tool", "hosts", "ok", "wall s", "hosts/s", "CPU s", "CPU ms/host", "node ms/host", "RSS MiB", "tree MiB", "conn/host", "exec/host", "load1", "× kaudit"}
	rows := [][]string{head}
	var notes []string
	for _, s := range sums {
		if s.Runs == 0 {
			rows = append(rows, []string{s.Title, "-", "-", "failed"})
			continue
		}
		wall, cpu, star := fmt.Sprintf("%.2f", s.WallFleetS), fmt.Sprintf("%.2f", s.CPUFleetS), ""
		if s.Extrapolate {
			star = "*"
			wall, cpu = wall+"*", cpu+"*"
			notes = append(notes, fmt.Sprintf("* %s ran on %d of the %d hosts (median %.2f s wall, %.2f s CPU measured); its wall and CPU columns are extrapolated linearly to %d hosts.",
				s.Title, s.Hosts, s.FleetHosts, s.WallS, s.CPUS, s.FleetHosts))
		}
		rows = append(rows, []string{
			s.Title, fmt.Sprint(s.Hosts), fmt.Sprint(s.OK), wall,
			fmt.Sprintf("%.1f", s.HostsPerS), cpu, fmt.Sprintf("%.2f", s.CPUPerHost), fmt.Sprintf("%.1f", s.NodePerHost),
			fmt.Sprintf("%.1f", s.MaxRSSMiB), fmt.Sprintf("%.1f", s.PeakPSSMiB),
			fmt.Sprintf("%.2f", s.ConnPerHost), fmt.Sprintf("%.2f", s.ExecPerHost),
			fmt.Sprintf("%.2f", s.Load1), fmt.Sprintf("%.2f%s", s.Ratio, star),
		})
	}
	widths := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for ri, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if ri == 0 {
			fmt.Fprintln(w, strings.Repeat("-", len([]rune(strings.TrimRight(b.String(), " ")))))
		}
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

// targetResult is one line of the targets section.
type targetResult struct {
	Status string `json:"status"` // MET, MISSED, n/a, info
	What   string `json:"what"`
	Detail string `json:"detail"`
}

// rssTargetHosts is the fleet size the peak RSS target applies to.
const rssTargetHosts = 2000

// roundRatios is kaudit's wall per host over tool's in each round both
// completed (adjacent runs share the machine's background load), in round
// order.
func roundRatios(results []runResult, tool string) []float64 {
	walls := map[int]map[string]float64{}
	var rounds []int
	for _, r := range results {
		if r.Failed != "" || r.Round < 1 {
			continue
		}
		if walls[r.Round] == nil {
			walls[r.Round] = map[string]float64{}
			rounds = append(rounds, r.Round)
		}
		walls[r.Round][r.Tool] = r.Usage.Wall().Seconds() / float64(max(r.Hosts, 1)) // per host: a subset run compares too
	}
	slices.Sort(rounds)
	var out []float64
	for _, rd := range rounds {
		k, o := walls[rd][toolKaudit], walls[rd][tool]
		if k > 0 && o > 0 {
			out = append(out, k/o)
		}
	}
	return out
}

// evaluateTargets checks the targets against the summaries; the
// ratio targets also show the ratio in each round (results may be nil).
func evaluateTargets(sums []summary, results []runResult, n int) []targetResult {
	by := map[string]summary{}
	for _, s := range sums {
		if s.Runs > 0 {
			by[s.Tool] = s
		}
	}
	k, haveK := by[toolKaudit]
	var out []targetResult
	ratio := func(what, tool string, limit float64) {
		o, ok := by[tool]
		switch {
		case !haveK || !ok:
			out = append(out, targetResult{"n/a", what, "not measured"})
		default:
			r := k.WallFleetS / o.WallFleetS
			d := fmt.Sprintf("kaudit %.2f s / %.2f s = %s (limit %.2f)", k.WallFleetS, o.WallFleetS, ratioString(r, limit), limit)
			if rr := roundRatios(results, tool); len(rr) > 1 {
				d += "; per round:"
				for _, x := range rr {
					d += fmt.Sprintf(" %.2f", x)
				}
			}
			out = append(out, targetResult{metIf(r <= limit), what, d})
		}
	}
	ratio(fmt.Sprintf("kaudit wall ≤ 0.8 × pdsh curve25519-sha256 (N=%d)", n), toolPdshCurve, 0.8)
	ratio(fmt.Sprintf("kaudit wall ≤ 0.35 × pdsh OpenSSH defaults (N=%d)", n), toolPdshDefault, 0.35)
	// issue 16: within 1.05× (wall) and 2× (client CPU) of a minimal client
	// running the same collector, and 1.5× of one running only `true`
	ratio(fmt.Sprintf("kaudit wall ≤ 1.05 × sshfloor running the collector (N=%d)", n), toolFloorCollector, 1.05)
	ratio(fmt.Sprintf("kaudit wall ≤ 1.5 × sshfloor running true, the SSH floor (N=%d)", n), toolFloorTrue, 1.5)
	if f, ok := by[toolFloorCollector]; ok && haveK && f.CPUPerHost > 0 {
		x := k.CPUPerHost / f.CPUPerHost
		out = append(out, targetResult{metIf(x <= 2), "kaudit client CPU ≤ 2 × sshfloor's running the collector",
			fmt.Sprintf("kaudit %.2f ms / %.2f ms per host = %.2f×", k.CPUPerHost, f.CPUPerHost, x)})
	} else {
		out = append(out, targetResult{"n/a", "kaudit client CPU ≤ 2 × sshfloor's running the collector", "not measured"})
	}
	if a, ok := by[toolAnsible]; ok && haveK {
		x := a.WallFleetS / k.WallFleetS
		d := fmt.Sprintf("ansible %.2f s / kaudit %.2f s = %.1f×", a.WallFleetS, k.WallFleetS, x)
		if a.Extrapolate {
			d += fmt.Sprintf(" (ansible extrapolated from %d hosts)", a.Hosts)
		}
		out = append(out, targetResult{metIf(x >= 10), "≥ 10× faster than ansible raw", d})
	} else {
		out = append(out, targetResult{"n/a", "≥ 10× faster than ansible raw", "not measured"})
	}
	if haveK {
		out = append(out, targetResult{metIf(k.ExactlyOne), "exactly 1 connection and 1 exec per host",
			fmt.Sprintf("median %.2f connections, %.2f execs per host over %d runs", k.ConnPerHost, k.ExecPerHost, k.Runs)})
		rss := targetResult{"n/a", fmt.Sprintf("peak RSS ≤ 150 MiB at N=%d", rssTargetHosts),
			fmt.Sprintf("%.1f MiB at N=%d (the target applies at N≥%d)", k.MaxRSSMiB, n, rssTargetHosts)}
		if n >= rssTargetHosts {
			rss.Status = metIf(k.MaxRSSMiB <= 150)
			rss.Detail = fmt.Sprintf("%.1f MiB at N=%d", k.MaxRSSMiB, n)
		}
		out = append(out, rss)
	}
	var cpu []string
	for _, s := range sums {
		if s.Runs == 0 {
			continue
		}
		c := fmt.Sprintf("%s %.2f ms", s.Tool, s.CPUPerHost)
		if haveK && s.Tool != toolKaudit && k.CPUPerHost > 0 {
			c += fmt.Sprintf(" (%.1f× kaudit's)", s.CPUPerHost/k.CPUPerHost)
		}
		cpu = append(cpu, c)
	}
	out = append(out, targetResult{"info", "client CPU per host", strings.Join(cpu, ", ")})
	return out
}

func metIf(ok bool) string {
	if ok {
		return "MET"
	}
	return "MISSED"
}

func printTargets(w io.Writer, ts []targetResult) {
	for _, t := range ts {
		fmt.Fprintf(w, "  %-7s %s: %s\n", t.Status, t.What, t.Detail)
	}
}

// loadAvg returns the 1-minute load average ("" on error kept as 0).
func loadAvg() (float64, string) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, ""
	}
	f := strings.Fields(string(b))
	var l float64
	if len(f) > 0 {
		fmt.Sscan(f[0], &l)
	}
	return l, strings.Join(f[:min(3, len(f))], " ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// ratioString prints r with two decimals, or four when two would hide on
// which side of limit it is (0.8002 is MISSED against 0.80).
func ratioString(r, limit float64) string {
	if two := fmt.Sprintf("%.2f", r); r == limit || two != fmt.Sprintf("%.2f", limit) {
		return two
	}
	return fmt.Sprintf("%.4f", r)
}
