package probes

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/transport"
	"github.com/kaudit/kaudit/probes/transport/sshtest"
)

// frames is collector output for one section, framed with nonce.
func frames(nonce, section, source, body string) string {
	return fmt.Sprintf("@@KAUDIT:%s:BEGIN %s %s\n%s\n@@KAUDIT:%s:END %s rc=0 trunc=0\n", nonce, section, source, body, nonce, section)
}

// nonceOf extracts the nonce from collector.Command's output.
func nonceOf(t testing.TB, cmd string) string {
	_, rest, ok := strings.Cut(cmd, "sh -s -- '")
	nonce, _, ok2 := strings.Cut(rest, "'")
	if !ok || !ok2 {
		t.Errorf("no quoted nonce in %q", cmd)
	}
	return nonce
}

// doneLine is the collector's last line.
func doneLine(nonce string) string { return "@@KAUDIT:" + nonce + ":DONE\n" }

// fakeTransport answers every host with a hostname frame naming it, after
// run (when set) returns, and tracks how many hosts run at once, overall and
// per group and bastion.
type fakeTransport struct {
	t   testing.TB
	run func(ctx context.Context, h *inventory.Host) error

	mu       sync.Mutex
	inFlight map[string]int
	maxSeen  map[string]int
	calls    []string
}

func newFake(t testing.TB, run func(ctx context.Context, h *inventory.Host) error) *fakeTransport {
	return &fakeTransport{t: t, run: run, inFlight: map[string]int{}, maxSeen: map[string]int{}}
}

func (f *fakeTransport) keys(h *inventory.Host) []string {
	keys := []string{"all"}
	for _, g := range h.Groups {
		keys = append(keys, "group "+g)
	}
	if h.Bastion != "" {
		keys = append(keys, "bastion "+h.Bastion)
	}
	return keys
}

func (f *fakeTransport) Run(ctx context.Context, h *inventory.Host, cmd string, stdin []byte) (*transport.Result, error) {
	if string(stdin) != string(collector.Script()) {
		f.t.Errorf("%s: stdin is not the collector script", h.Name)
	}
	f.mu.Lock()
	f.calls = append(f.calls, h.Name)
	for _, k := range f.keys(h) {
		f.inFlight[k]++
		f.maxSeen[k] = max(f.maxSeen[k], f.inFlight[k])
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		for _, k := range f.keys(h) {
			f.inFlight[k]--
		}
		f.mu.Unlock()
	}()
	if f.run != nil {
		if err := f.run(ctx, h); err != nil {
			return nil, err
		}
	}
	nonce := nonceOf(f.t, cmd)
	out := frames(nonce, facts.SectionHostname, "/proc/sys/kernel/hostname", h.Name) + doneLine(nonce)
	return &transport.Result{Stdout: []byte(out), Duration: 5 * time.Millisecond}, nil
}

func (f *fakeTransport) max(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxSeen[key]
}

func hostsNamed(n int, prefix string) []*inventory.Host {
	var hosts []*inventory.Host
	for i := range n {
		hosts = append(hosts, &inventory.Host{Name: fmt.Sprintf("%s%02d", prefix, i), Address: "10.0.0.1", Transport: "ssh"})
	}
	return hosts
}

func jitter(ctx context.Context, _ *inventory.Host) error {
	select {
	case <-time.After(time.Duration(rand.IntN(3000)) * time.Microsecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestCollectOrderAndGlobalCap(t *testing.T) {
	hosts := hostsNamed(40, "n")
	fake := newFake(t, jitter)
	progress := 0
	outs := make([]*Outcome, len(hosts))
	Each(context.Background(), hosts, nil, Options{Concurrency: 3, Transport: fake}, func(i int, o *Outcome) {
		progress++
		if outs[i] != nil || o == nil {
			t.Errorf("yield(%d) twice or nil after %d calls", i, progress)
		}
		outs[i] = o
	})
	if progress != len(hosts) {
		t.Fatalf("%d yields, want %d", progress, len(hosts))
	}
	for i, o := range outs {
		if o.Host != hosts[i] || o.Facts == nil || o.Facts.Hostname != hosts[i].Name || o.Err != nil {
			t.Fatalf("outcome %d: host %s facts %+v err %v", i, o.Host.Name, o.Facts, o.Err)
		}
		c := o.Facts.Collector
		if c.Transport != "ssh" || c.Bytes == 0 || c.DurationMS != 5 || c.Exit != 0 || c.Sudo || o.Facts.CollectedAt == "" {
			t.Fatalf("collector fields: %+v", c)
		}
	}
	if m := fake.max("all"); m > 3 || m < 2 {
		t.Fatalf("max in flight %d, want ≤ 3 (and some parallelism)", m)
	}
}

func TestCollectGroupAndBastionCaps(t *testing.T) {
	inv := &inventory.Inventory{
		Groups:   map[string]*inventory.Group{"db": {Name: "db", Concurrency: 2}, "web": {Name: "web", Concurrency: 1}, "all": {Name: "all"}},
		Bastions: map[string]*inventory.Bastion{"jump": {Name: "jump", Concurrency: 3}, "jump2": {Name: "jump2"}},
	}
	var hosts []*inventory.Host
	for i := range 12 {
		hosts = append(hosts, &inventory.Host{Name: fmt.Sprint("db", i), Groups: []string{"all", "db"}, Concurrency: 2})
		hosts = append(hosts, &inventory.Host{Name: fmt.Sprint("web", i), Groups: []string{"web", "all"}, Concurrency: 1})
		hosts = append(hosts, &inventory.Host{Name: fmt.Sprint("j", i), Groups: []string{"all"}, Bastion: "jump"})
		hosts = append(hosts, &inventory.Host{Name: fmt.Sprint("k", i), Groups: []string{"all"}, Bastion: "jump2"})
	}
	fake := newFake(t, jitter)
	outs := Collect(context.Background(), hosts, inv, Options{Concurrency: 30, Transport: fake})
	for i, o := range outs {
		if o.Facts == nil || o.Host != hosts[i] {
			t.Fatalf("outcome %d: %+v", i, o)
		}
	}
	for key, limit := range map[string]int{"group db": 2, "group web": 1, "bastion jump": 3, "bastion jump2": transport.DefaultBastionConcurrency} {
		if m := fake.max(key); m > limit {
			t.Errorf("%s: %d in flight, cap %d", key, m, limit)
		}
	}
}

func TestCollectHostCapWithoutInventory(t *testing.T) {
	hosts := hostsNamed(10, "g")
	for _, h := range hosts {
		h.Groups, h.Concurrency = []string{"g"}, 2
	}
	fake := newFake(t, jitter)
	Collect(context.Background(), hosts, nil, Options{Transport: fake})
	if m := fake.max("group g"); m > 2 {
		t.Fatalf("%d in flight, cap 2", m)
	}
}

// A host waiting for its group's slot must not hold a global slot: with
// -j 2, web0 blocks until x0 (after two more web hosts in the queue) runs.
func TestCollectCappedHostsDoNotStarveOthers(t *testing.T) {
	inv := &inventory.Inventory{Groups: map[string]*inventory.Group{"web": {Name: "web", Concurrency: 1}}}
	hosts := []*inventory.Host{
		{Name: "web0", Groups: []string{"web"}}, {Name: "web1", Groups: []string{"web"}}, {Name: "web2", Groups: []string{"web"}},
		{Name: "x0"},
	}
	x0 := make(chan struct{})
	fake := newFake(t, func(ctx context.Context, h *inventory.Host) error {
		switch h.Name {
		case "web0":
			select {
			case <-x0:
			case <-ctx.Done():
				return ctx.Err()
			}
		case "x0":
			close(x0)
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, o := range Collect(ctx, hosts, inv, Options{Concurrency: 2, Transport: fake}) {
		if o.Facts == nil {
			t.Fatalf("%s: %v", o.Host.Name, o.Err)
		}
	}
}

func TestCollectCancelKeepsFinished(t *testing.T) {
	hosts := hostsNamed(20, "h")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	fast := 0
	fake := newFake(t, func(rctx context.Context, h *inventory.Host) error {
		if h.Name < "h05" {
			return nil
		}
		mu.Lock()
		fast++
		mu.Unlock()
		<-rctx.Done() // the rest hang until cancelled
		return &transport.Error{Reason: transport.ReasonTimeout, Host: h.Name, Msg: "interrupted", Err: rctx.Err()}
	})
	calls := 0
	outs := make([]*Outcome, len(hosts))
	Each(ctx, hosts, nil, Options{Concurrency: 8, Transport: fake}, func(i int, o *Outcome) {
		outs[i] = o
		if calls++; calls == 5 {
			cancel()
		}
	})
	if calls != len(hosts) {
		t.Fatalf("progress called %d times, want %d", calls, len(hosts))
	}
	for i, o := range outs {
		if i < 5 {
			if o.Facts == nil || o.Err != nil {
				t.Fatalf("%s finished before the cancel but lost its facts: %v", o.Host.Name, o.Err)
			}
			continue
		}
		if o.Facts != nil || o.Reason != transport.ReasonTimeout || !strings.Contains(o.Err.Error(), "interrupted") ||
			!errors.Is(o.Err, context.Canceled) {
			t.Fatalf("%s: reason %q err %v", o.Host.Name, o.Reason, o.Err)
		}
	}
	if len(fake.calls) >= len(hosts) {
		t.Fatalf("all %d hosts were dialled after the cancel", len(fake.calls))
	}
}

// scriptedTransport returns a fixed result or error.
type scriptedTransport struct {
	res func(nonce string) *transport.Result
	err error
}

func (s scriptedTransport) Run(_ context.Context, h *inventory.Host, cmd string, _ []byte) (*transport.Result, error) {
	if s.err != nil {
		return nil, s.err
	}
	nonce, _, _ := strings.Cut(cmd[strings.Index(cmd, "'")+1:], "'")
	return s.res(nonce), nil
}

func TestCollectOutcomes(t *testing.T) {
	host := &inventory.Host{Name: "node1", Transport: "ssh", SSH: inventory.SSHSettings{Sudo: true}}
	tests := []struct {
		name   string
		tr     transport.Runner
		cap    int64
		reason string
		errHas []string
		check  func(t *testing.T, f *facts.Facts)
	}{
		{name: "transport error keeps its reason",
			tr:     scriptedTransport{err: &transport.Error{Reason: transport.ReasonHostKey, Host: "node1", Msg: "HOST KEY CHANGED"}},
			reason: transport.ReasonHostKey, errHas: []string{"node1", "HOST KEY CHANGED"}},
		{name: "untyped error is a collector failure",
			tr: scriptedTransport{err: errors.New("boom")}, reason: transport.ReasonCollector, errHas: []string{"boom"}},
		{name: "no frames quotes sanitised stderr",
			tr: scriptedTransport{res: func(string) *transport.Result {
				return &transport.Result{Stderr: []byte("sh: 1: \x1b[31msyntax error\x1b[0m\n"), Exit: 2}
			}},
			reason: transport.ReasonCollector, errHas: []string{"no output (exit 2)", "?[31msyntax error?[0m"}},
		{name: "banner noise without frames",
			tr: scriptedTransport{res: func(string) *transport.Result {
				return &transport.Result{Stdout: []byte("Welcome to node1\n"), Exit: 0}
			}},
			reason: transport.ReasonCollector, errHas: []string{"no kaudit frames", "startup files"}},
		{name: "frames with a forged nonce are ignored",
			tr: scriptedTransport{res: func(string) *transport.Result {
				return &transport.Result{Stdout: []byte(frames("0000", facts.SectionHostname, "x", "evil"))}
			}},
			reason: transport.ReasonCollector},
		{name: "facts with sudo, exit and truncation",
			tr: scriptedTransport{res: func(nonce string) *transport.Result {
				out := frames(nonce, facts.SectionHostname, "/proc/sys/kernel/hostname", "node1.example") + strings.Repeat("x", 100)
				return &transport.Result{Stdout: []byte(out), Exit: 1, Duration: 1500 * time.Millisecond}
			}},
			cap: 200,
			check: func(t *testing.T, f *facts.Facts) {
				c := f.Collector
				if f.Hostname != "node1.example" || !c.Sudo || c.Exit != 1 || !c.Truncated || c.DurationMS != 1500 || c.Bytes <= 200 {
					t.Fatalf("facts: hostname %q collector %+v", f.Hostname, c)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Collect(context.Background(), []*inventory.Host{host}, nil, Options{Transport: tt.tr, HostCap: tt.cap})[0]
			if o.Reason != tt.reason {
				t.Fatalf("reason %q, want %q (err %v)", o.Reason, tt.reason, o.Err)
			}
			if tt.reason != "" && (o.Facts != nil || o.Err == nil) {
				t.Fatalf("unreachable host with facts %v / err %v", o.Facts, o.Err)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(o.Err.Error(), s) {
					t.Errorf("error %q lacks %q", o.Err, s)
				}
			}
			if tt.check != nil {
				tt.check(t, o.Facts)
			}
		})
	}
}

// The real collector script, run by the local transport on this machine.
func TestCollectLocalEndToEnd(t *testing.T) {
	host := &inventory.Host{Name: "this-machine", Transport: "local", SSH: inventory.SSHSettings{Timeout: 2 * time.Minute}}
	o := Collect(context.Background(), []*inventory.Host{host}, nil, Options{})[0]
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	f := o.Facts
	want, _ := os.Hostname()
	if f.Collector.Transport != "local" || f.Hostname != want || f.Kernel.Release == "" || f.Collector.Bytes == 0 {
		t.Fatalf("hostname %q (want %q), kernel %q, collector %+v", f.Hostname, want, f.Kernel.Release, f.Collector)
	}
}

// The real collector script over SSH: in-process servers run it with sh on
// this machine, as sshd would.
func TestCollectOverSSH(t *testing.T) {
	var servers []*sshtest.Server
	for range 3 {
		servers = append(servers, sshtest.New(t, sshtest.Shell))
	}
	kh := sshtest.KnownHosts(t, servers...)
	var hosts []*inventory.Host
	for i, srv := range servers {
		h := srv.Host(fmt.Sprint("node", i), kh)
		h.SSH.Timeout = 2 * time.Minute
		hosts = append(hosts, h)
	}
	ssh := transport.NewSSH(transport.SSHOptions{Home: t.TempDir(), Getenv: func(string) string { return "" }, HoldStdin: true})
	defer ssh.Close()
	want, _ := os.Hostname()
	for i, o := range Collect(context.Background(), hosts, nil, Options{Transport: ssh}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if o.Facts.Host != hosts[i].Name || o.Facts.Hostname != want || o.Facts.Collector.Transport != "ssh" || o.Facts.Kernel.Release == "" {
			t.Fatalf("%s: host %q hostname %q collector %+v", hosts[i].Name, o.Facts.Host, o.Facts.Hostname, o.Facts.Collector)
		}
		if s, e := servers[i].Sessions.Load(), servers[i].Execs.Load(); s != 1 || e != 1 {
			t.Fatalf("%s: %d sessions, %d execs", hosts[i].Name, s, e)
		}
	}
}

// leftTransport connects in connect (of the host's timeout) before it
// builds the command, as the SSH transport does.
type leftTransport struct {
	connect time.Duration
	cmd     *string
}

func (l leftTransport) Run(context.Context, *inventory.Host, string, []byte) (*transport.Result, error) {
	return nil, errors.New("Run called: RunLeft must be used")
}

func (l leftTransport) RunLeft(_ context.Context, h *inventory.Host, cmd func(time.Duration) string, _ []byte) (*transport.Result, error) {
	*l.cmd = cmd(h.SSH.Timeout - l.connect)
	nonce, _, _ := strings.Cut((*l.cmd)[strings.Index(*l.cmd, "'")+1:], "'")
	out := frames(nonce, facts.SectionHostname, "/proc/sys/kernel/hostname", h.Name) + doneLine(nonce)
	return &transport.Result{Stdout: []byte(out)}, nil
}

// TestCollectBudgetExcludesConnecting: the node budget is taken from what is
// left of the host's timeout once connected, so a slow handshake does not
// let kaudit give up on the host before the node's watchdog ends the run.
func TestCollectBudgetExcludesConnecting(t *testing.T) {
	for _, tc := range []struct {
		timeout, connect time.Duration
		want             int
	}{
		{20 * time.Second, 0, 18},
		{20 * time.Second, 3500 * time.Millisecond, 14},
		{8 * time.Second, 1 * time.Second, 5},
		{3 * time.Second, 2900 * time.Millisecond, 1},
	} {
		var cmd string
		host := &inventory.Host{Name: "node1", Transport: "ssh", SSH: inventory.SSHSettings{Timeout: tc.timeout}}
		o := Collect(context.Background(), []*inventory.Host{host}, nil, Options{Transport: leftTransport{tc.connect, &cmd}})[0]
		if o.Facts == nil {
			t.Fatalf("%v/%v: no facts: %v", tc.timeout, tc.connect, o.Err)
		}
		if o.Facts.Collector.BudgetS != tc.want || !strings.HasSuffix(cmd, fmt.Sprintf("' %d watch", tc.want)) {
			t.Errorf("%v timeout, %v connecting: budget %d, command %q, want %d", tc.timeout, tc.connect, o.Facts.Collector.BudgetS, cmd, tc.want)
		}
	}
}
