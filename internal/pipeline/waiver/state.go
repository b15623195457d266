package waiver

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies"
)

// Waiver states, as kaudit waiver list shows them.
const (
	StateActive   = "active"   // applies, and does not expire within ExpiringWithin
	StateExpiring = "expiring" // applies, but expires within ExpiringWithin
	StateExpired  = "expired"  // past its expiry: waives nothing
	StateUnused   = "unused"   // covers no host, or no check it may waive
)

// State is one waiver as kaudit waiver list shows it.
type State struct {
	Waiver *inventory.Waiver
	State  string
	// Hosts are the hosts it covers, in inventory order.
	Hosts []string
	// Checks are the check ids of the loaded packs it may waive: those its
	// ids and globs name, less critical checks when allow_critical is not set.
	Checks []string
	// Notes explain an unused state and critical checks left out.
	Notes []string
}

// States reports every waiver of inv against hosts (the inventory's hosts,
// or those --limit selected) and the loaded packs' checks. Expired wins over
// unused, unused over expiring.
func States(inv *inventory.Inventory, hosts []*inventory.Host, checks []policies.CheckInfo, now time.Time) []State {
	out := make([]State, 0, len(inv.Waivers))
	for _, w := range inv.Waivers {
		s := State{Waiver: w, Hosts: []string{}, Checks: []string{}}
		for _, h := range hosts {
			if Covers(w, h.Name, h.Groups) {
				s.Hosts = append(s.Hosts, h.Name)
			}
		}
		named := coveredChecks(w, checks)
		for _, c := range named {
			if c.Severity == "critical" && !w.AllowCritical {
				s.Notes = append(s.Notes, fmt.Sprintf("%s is critical: not waived without allow_critical = true", c.ID))
				continue
			}
			s.Checks = append(s.Checks, c.ID)
		}
		if len(named) == 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("matches no check of the loaded policy packs (%s)", joinQuoted(w.Checks)))
		}
		if len(s.Hosts) == 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("matches none of the %d host(s)", len(hosts)))
		}
		switch {
		case w.Expired(now):
			s.State = StateExpired
		case len(s.Hosts) == 0 || len(s.Checks) == 0:
			s.State = StateUnused
		case expiringSoon(w, now):
			s.State = StateExpiring
			s.Notes = append(s.Notes, "expires "+inDays(daysLeft(w, now)))
		default:
			s.State = StateActive
		}
		out = append(out, s)
	}
	return out
}

// maxListed bounds the host names shown in a table cell.
const maxListed = 3

// WriteTable writes the states as an aligned table: waiver, state, expiry,
// owner, ticket, checks, hosts (a count and the first few names) and where
// it is declared. verbose adds, after the table, each waiver's reason, notes
// and every host it covers.
func WriteTable(w io.Writer, states []State, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WAIVER\tSTATE\tEXPIRES\tOWNER\tTICKET\tCHECKS\tHOSTS\tDECLARED")
	for _, s := range states {
		wv := s.Waiver
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			cell(label(wv)), s.State, Day(wv), cell(wv.Owner), cell(wv.Ticket),
			cell(strings.Join(s.Checks, ",")), hostsCell(s.Hosts), wv.DeclRange.String())
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write waiver table: %w", err)
	}
	if !verbose {
		return nil
	}
	var b strings.Builder
	for _, s := range states {
		wv := s.Waiver
		fmt.Fprintf(&b, "\n%s (%s): %s\n  reason: %s\n", label(wv), wv.DeclRange.String(), s.State, oneLine(wv.Reason))
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  note: %s\n", oneLine(n))
		}
		for _, h := range s.Hosts {
			fmt.Fprintf(&b, "  host: %s\n", h)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write waiver details: %w", err)
	}
	return nil
}

// hostsCell is "N: a, b, c, +M more".
func hostsCell(hosts []string) string {
	if len(hosts) == 0 {
		return "0"
	}
	shown := hosts[:min(len(hosts), maxListed)]
	s := fmt.Sprintf("%d: %s", len(hosts), strings.Join(shown, ", "))
	if more := len(hosts) - len(shown); more > 0 {
		s += fmt.Sprintf(", +%d more", more)
	}
	return s
}

// cell is a table cell: "-" for empty, tabs and newlines flattened.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return oneLine(s)
}

func oneLine(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
