// Command testfleet starts and stops kaudit's SSH test fleet (see package
// internal/testfleet).
//
//	testfleet up [--hosts a,b] [--clone fixture=N]... [--state FILE] [--fixtures DIR] [--hosts-per-sshd N]
//	testfleet down [--state FILE | --all]
//	testfleet exec [--state FILE] -- command [args...]
//	testfleet info [--state FILE] inventory|netns|dir|known_hosts|client_key|sshd_log
//	testfleet checksum [--state FILE]
//	testfleet tarpit ADDR:PORT
//
// Without --state, down/exec/info use the newest run under
// /var/lib/kaudit-testfleet.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/kaudit/kaudit/internal/testfleet"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  testfleet up [--hosts a,b] [--clone fixture=N]... [--state FILE] [--fixtures DIR] [--user NAME] [--hosts-per-sshd N]
  testfleet down [--state FILE | --all]
  testfleet exec [--state FILE] -- command [args...]
  testfleet info [--state FILE] inventory|netns|dir|known_hosts|client_key|sshd_log
  testfleet checksum [--state FILE]
  testfleet tarpit ADDR:PORT
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "up":
		err = cmdUp(ctx, args[1:], stdout, stderr)
	case "down":
		err = cmdDown(ctx, args[1:], stdout)
	case "exec":
		return cmdExec(ctx, args[1:], stderr)
	case "info":
		err = cmdInfo(args[1:], stdout)
	case "checksum":
		err = cmdChecksum(args[1:], stdout)
	case "tarpit":
		if len(args) != 2 {
			err = errors.New("usage: testfleet tarpit ADDR:PORT")
			break
		}
		err = testfleet.RunTarpit(ctx, args[1])
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "testfleet: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "testfleet:", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// cloneFlags collects --clone fixture=N.
type cloneFlags map[string]int

func (c cloneFlags) String() string { return fmt.Sprint(map[string]int(c)) }

func (c cloneFlags) Set(s string) error {
	name, n, ok := strings.Cut(s, "=")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || name == "" {
		return fmt.Errorf("--clone %q: want fixture=N", s)
	}
	c[name] = count
	return nil
}

func cmdUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	hosts := fs.String("hosts", "", "comma-separated fixtures to start (default: all)")
	state := fs.String("state", "", "also write the fleet state to this file")
	fixtures := fs.String("fixtures", "", "fixture directory (default: testdata/fleet of the module)")
	user := fs.String("user", "kaudit", "login user")
	perSSHD := fs.Int("hosts-per-sshd", 0, "split the hosts over sshds serving at most N hosts each (1..16; 0: one sshd)")
	clones := cloneFlags{}
	fs.Var(clones, "clone", "fixture=N: N extra hard-linked copies of a fixture (repeatable)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	o := testfleet.Options{Fixtures: *fixtures, User: *user, Clones: clones, Log: stderr, HostsPerSSHD: *perSSHD}
	if *hosts != "" {
		o.Hosts = strings.Split(*hosts, ",")
	}
	f, err := testfleet.Start(ctx, o)
	if err != nil {
		return err
	}
	statePath := filepath.Join(f.Dir, "state.json")
	if *state != "" {
		if err := f.Save(*state); err != nil {
			return err
		}
		statePath = *state
	}
	fmt.Fprintf(stdout, `fleet %s is up: %d hosts
  inventory:  %s
  netns:      %s
  state:      %s
  sshd log:   %s
run kaudit inside the namespace:
  ip netns exec %s bin/kaudit run -i %s
tear down:
  testfleet down --state %s
`, f.RunID, len(f.Hosts), f.Inventory, f.NetNS, statePath, f.SSHDLog, f.NetNS, f.Inventory, statePath)
	return nil
}

// loadState reads --state, or the newest run's state.json.
func loadState(path string) (*testfleet.Fleet, error) {
	if path != "" {
		return testfleet.Load(path)
	}
	matches, _ := filepath.Glob(filepath.Join(testfleet.BaseDir, "*", "state.json"))
	if len(matches) == 0 {
		return nil, errors.New("no running fleet (no state.json under " + testfleet.BaseDir + ")")
	}
	sort.Strings(matches) // run IDs start with a UTC timestamp
	return testfleet.Load(matches[len(matches)-1])
}

func cmdDown(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	state := fs.String("state", "", "state file written by up")
	all := fs.Bool("all", false, "remove every fleet and whatever earlier runs left behind")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *all {
		done, err := testfleet.DownAll(ctx)
		for _, d := range done {
			fmt.Fprintln(stdout, "removed", d)
		}
		if len(done) == 0 && err == nil {
			fmt.Fprintln(stdout, "nothing to remove")
		}
		return err
	}
	f, err := loadState(*state)
	if err != nil {
		return err
	}
	if err := f.Stop(); err != nil {
		return err
	}
	if *state != "" {
		_ = os.Remove(*state)
	}
	fmt.Fprintf(stdout, "fleet %s is down\n", f.RunID)
	return nil
}

func cmdExec(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := fs.String("state", "", "state file written by up")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fmt.Fprint(stderr, "usage: testfleet exec [--state FILE] -- command [args...]\n")
		return 2
	}
	f, err := loadState(*state)
	if err != nil {
		fmt.Fprintln(stderr, "testfleet:", err)
		return 1
	}
	cmd := f.Command(ctx, fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(stderr, "testfleet:", err)
		return 1
	}
	return 0
}

func cmdInfo(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	state := fs.String("state", "", "state file written by up")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: testfleet info [--state FILE] inventory|netns|dir|known_hosts|client_key|sshd_log"}
	}
	f, err := loadState(*state)
	if err != nil {
		return err
	}
	v, ok := map[string]string{
		"inventory": f.Inventory, "netns": f.NetNS, "dir": f.Dir, "known_hosts": f.KnownHosts,
		"client_key": f.ClientKey, "sshd_log": f.SSHDLog,
	}[fs.Arg(0)]
	if !ok {
		return usageError{fmt.Sprintf("info: unknown field %q", fs.Arg(0))}
	}
	fmt.Fprintln(stdout, v)
	return nil
}

// cmdChecksum prints the checksum of every host tree (equal before and after
// an audit: the audit changed nothing).
func cmdChecksum(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("checksum", flag.ContinueOnError)
	state := fs.String("state", "", "state file written by up")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	f, err := loadState(*state)
	if err != nil {
		return err
	}
	sum, err := f.Checksum()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, sum)
	return nil
}
