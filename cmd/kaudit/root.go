package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/inventory/shard"
	"github.com/kaudit/kaudit/policies"
	"github.com/kaudit/kaudit/probes/facts"
)

// app holds the process's streams and the flags shared by commands.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string

	inventories []string
	limits      []string
	concurrency int
	packs       []string
	noColor     bool
	verbose     bool
	shard       string // --shard K/N (inventory/shard)
	// eng is the last policy engine compiled; the SARIF report takes the
	// checks' documentation from it.
	eng *policies.Engine
}

// describe gives a check's documentation from the policy engine, if one
// was compiled.
func (a *app) describe(id string) (policies.CheckDoc, bool) {
	if a.eng == nil {
		return policies.CheckDoc{}, false
	}
	return a.eng.Describe(id)
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "kaudit",
		Short: "Audit a fleet of Linux nodes for the cgroup v1 kmem accounting leak",
		Long: `kaudit reads an HCL inventory of hosts, collects kernel, boot, runtime and
kmem facts from every node over SSH (one connection and one command per host),
evaluates the built-in Rego policy pack and writes compliance reports.

Without -i, kaudit audits the local machine.`,
		Example: `  kaudit run                                  # audit this machine
  kaudit run -i prod.hcl --report html=out/report.html --report junit=out/junit.xml
  kaudit run -i prod.hcl --limit group=workers --fail-on critical
  kaudit inventory hosts -i prod.hcl
  kaudit policy show kmem.risk`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.BoolVar(&a.noColor, "no-color", false, "disable colour (NO_COLOR is honoured too)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "per-host detail in terminal output")

	root.AddCommand(
		a.runCommand(),
		a.factsCommand(),
		a.evalCommand(),
		a.gateCommand(),
		a.policyCommand(),
		a.inventoryCommand(),
		a.waiverCommand(),
		a.mergeCommand(),
		a.versionCommand(),
		NewCmdHistory(a),
	)
	a.registerCompletions(root)
	return root
}

// The selection flags a command binds with bindScope: only the ones it uses
// appear in its help.
const (
	scopeInventory = 1 << iota // -i
	scopeLimit                 // --limit
	scopeJobs                  // -j
	scopePolicy                // -p
	scopeShard                 // --shard
)

// bindScope registers the selection flags in which on fs (a command's Flags,
// or PersistentFlags for a command with subcommands).
func (a *app) bindScope(fs *pflag.FlagSet, which int) {
	if which&scopeInventory != 0 {
		fs.StringArrayVarP(&a.inventories, "inventory", "i", nil, "inventory file or directory of *.hcl (repeatable)")
	}
	if which&scopeLimit != 0 {
		fs.StringArrayVar(&a.limits, "limit", nil, "select hosts: NAME-GLOB, group=NAME or label.KEY=VALUE (repeatable)")
	}
	if which&scopeJobs != 0 {
		fs.IntVarP(&a.concurrency, "concurrency", "j", 64, "hosts contacted at once")
	}
	if which&scopePolicy != 0 {
		fs.StringArrayVarP(&a.packs, "policy", "p", nil, "extra Rego policy pack directory (repeatable)")
	}
	if which&scopeShard != 0 {
		fs.StringVar(&a.shard, "shard", "", "audit only shard K of N (K from 0 to N-1, e.g. $JOB_COMPLETION_INDEX/4): hosts split by a hash of their name; join the JSON reports with kaudit merge")
	}
}

// loadInventory loads -i files, printing diagnostics. With no -i it returns
// the local-machine inventory. Warnings are printed and do not fail.
func (a *app) loadInventory() (*inventory.Inventory, error) {
	if len(a.inventories) == 0 {
		return inventory.Local(), nil
	}
	inv, files, diags := inventory.Load(a.inventories, inventory.LoadOptions{})
	if len(diags) > 0 {
		if err := inventory.WriteDiagnostics(a.stderr, diags, files, 100, a.colorFor(a.stderr)); err != nil {
			return nil, usageErr(err)
		}
	}
	if diags.HasErrors() {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("inventory has %d error(s); nothing was contacted", countErrors(diags))}
	}
	return inv, nil
}

// selectHosts loads the inventory and applies --limit, then --shard.
func (a *app) selectHosts() (*inventory.Inventory, []*inventory.Host, error) {
	sh, err := a.shardSpec()
	if err != nil {
		return nil, nil, err
	}
	inv, err := a.loadInventory()
	if err != nil {
		return nil, nil, err
	}
	hosts, err := inv.Select(a.limits)
	if err != nil {
		return nil, nil, usageErr(fmt.Errorf("--limit: %w", err))
	}
	return inv, shard.Filter(sh, hosts, func(h *inventory.Host) string { return h.Name }), nil
}

// shardSpec parses --shard.
func (a *app) shardSpec() (shard.Spec, error) {
	sh, err := shard.Parse(a.shard)
	if err != nil {
		return sh, usageErr(fmt.Errorf("--shard: %w", err))
	}
	return sh, nil
}

// shardFacts keeps the saved hosts of --shard (eval --facts, gate --facts).
func (a *app) shardFacts(ff *facts.FleetFacts) error {
	sh, err := a.shardSpec()
	if err != nil {
		return err
	}
	ff.Hosts = shard.Filter(sh, ff.Hosts, func(h facts.FleetHost) string { return h.Name })
	return nil
}

// engine compiles the built-in pack plus -p packs with the inventory params.
func (a *app) engine(ctx context.Context, inv *inventory.Inventory) (*policies.Engine, error) {
	var params map[string]any
	if inv != nil {
		params = inv.Params
	}
	eng, err := policies.New(ctx, policies.Options{Packs: a.packs, Params: params})
	if err != nil {
		return nil, usageErr(fmt.Errorf("policies: %w", err))
	}
	a.eng = eng
	return eng, nil
}

// colorFor reports whether output to w may use colour: a terminal, no
// --no-color, no NO_COLOR.
func (a *app) colorFor(w io.Writer) bool {
	if a.noColor || a.getenv("NO_COLOR") != "" || a.getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a character device (a TTY).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalWidth is w's column count when it is a terminal, else 0 (the
// renderer's default).
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(w) {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}

func countErrors(diags hcl.Diagnostics) int {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}
