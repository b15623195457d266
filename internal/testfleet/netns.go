package testfleet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const netnsRunDir = "/run/netns"

// runCmd runs a command and returns its combined output in the error.
func runCmd(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func netnsExists(ns string) bool {
	_, err := os.Stat(netnsRunDir + "/" + ns)
	return err == nil
}

// createNetNS adds the namespace and brings its loopback up (127.0.0.0/8 is
// then all local in it).
func createNetNS(ctx context.Context, ns string) error {
	if err := runCmd(ctx, "ip", "netns", "add", ns); err != nil {
		return fmt.Errorf("create network namespace: %w", err)
	}
	if err := runCmd(ctx, "ip", "-n", ns, "link", "set", "lo", "up"); err != nil {
		return fmt.Errorf("create network namespace: %w", err)
	}
	return nil
}

// listNetNS returns the names of the existing network namespaces.
func listNetNS() ([]string, error) {
	entries, err := os.ReadDir(netnsRunDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

// netnsPids lists the processes whose network namespace is ns.
func netnsPids(ctx context.Context, ns string) ([]int, error) {
	out, err := exec.CommandContext(ctx, "ip", "netns", "pids", ns).Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns pids %s: %w", ns, err)
	}
	var pids []int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil && pid > 1 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// killNetNS stops every process in ns: SIGTERM, then SIGKILL after a grace
// period, until none is left.
func killNetNS(ctx context.Context, ns string) error {
	deadline := time.Now().Add(10 * time.Second)
	sig := syscall.SIGTERM
	termAt := time.Now()
	for {
		pids, err := netnsPids(ctx, ns)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("network namespace %s: processes %v survive SIGKILL", ns, pids)
		}
		if sig == syscall.SIGTERM && time.Since(termAt) > 2*time.Second {
			sig = syscall.SIGKILL
		}
		for _, pid := range pids {
			if pid == os.Getpid() {
				return fmt.Errorf("network namespace %s: this process is in it; not killing itself", ns)
			}
			_ = syscall.Kill(pid, sig)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func deleteNetNS(ctx context.Context, ns string) error {
	if !netnsExists(ns) {
		return nil
	}
	if err := killNetNS(ctx, ns); err != nil {
		return err
	}
	if err := runCmd(ctx, "ip", "netns", "del", ns); err != nil {
		return fmt.Errorf("delete network namespace: %w", err)
	}
	return nil
}

// dialInNetNS dials addr from inside the network namespace ns. The socket is
// created on an OS thread moved into ns; that thread never returns to the Go
// scheduler (its goroutine exits locked, so the runtime ends the thread). It
// must not be the main thread: the runtime cannot end that one, and the
// process would then count as living in ns (and be killed by Stop).
func dialInNetNS(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	var dial func()
	dial = func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// On the main thread: hand over to another goroutine, which
			// cannot run here while this one holds the thread, then give
			// the untouched main thread back.
			done := make(chan struct{})
			go func() { dial(); close(done) }()
			<-done
			runtime.UnlockOSThread()
			return
		}
		fd, err := unix.Open(netnsRunDir+"/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{nil, fmt.Errorf("open network namespace %s: %w", ns, err)}
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("enter network namespace %s: %w", ns, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		ch <- result{c, err}
	}
	go dial()
	r := <-ch
	return r.c, r.err
}

// waitListening polls addr inside ns until a TCP connection succeeds (and,
// when banner is set, the server's first line starts with it).
func waitListening(ctx context.Context, ns, addr, banner string, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var last error
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("%s: the server exited: %v", addr, err)
		default:
		}
		last = probe(ctx, ns, addr, banner)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not listening: %w", addr, last)
		case err := <-exited:
			return fmt.Errorf("%s: the server exited: %v", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func probe(ctx context.Context, ns, addr, banner string) error {
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := dialInNetNS(dctx, ns, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if banner == "" {
		return nil
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read banner: %w", err)
	}
	if !strings.HasPrefix(line, banner) {
		return fmt.Errorf("banner %q", line)
	}
	return nil
}
