package testfleet

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sshResult is one OpenSSH client run against a fleet host.
type sshResult struct {
	stdout, stderr string
	exit           int
}

func runSSH(t *testing.T, f *Fleet, host string, command ...string) sshResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, err := f.SSH(ctx, host, command...)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	r := sshResult{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ssh %s: %v", host, err)
	}
	return r
}

// TestFleet starts the whole fleet and checks it with OpenSSH's own client:
// the chroots, dash, stubs winning over busybox, EIO, every fault, the
// checksum, sshd's statistics, and that Stop leaves nothing behind.
func TestFleet(t *testing.T) {
	Require(t)
	ctx := context.Background()
	f, err := Start(ctx, Options{Clones: map[string]int{"seed003-centos78": 2}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			if err := f.Stop(); err != nil {
				t.Error(err)
			}
		}
	}()
	if got, want := len(f.Hosts), len(wantHosts)+2; got != want {
		t.Fatalf("%d hosts, want %d", got, want)
	}
	before, err := f.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[string]int{}

	for _, h := range f.Hosts {
		if h.Fault != "" && h.Fault != FaultHostile && h.Fault != FaultSudoPassword {
			continue
		}
		t.Run("host/"+h.Name, func(t *testing.T) {
			// One session: os-release, every runc build's --version, the
			// kernel release through uname (busybox's applet would print
			// this machine's), /bin/sh's identity.
			script := `PATH=$PATH:/usr/local/sbin:/usr/sbin; . /etc/os-release; echo "ID=$ID"; uname -r
for r in runc docker-runc docker-runc-current /usr/libexec/docker/docker-runc-current; do
	p=$(command -v "$r") && "$p" --version | head -n 1 | sed "s|^|${p##*/}: |"
done
readlink /bin/sh; readlink /usr/bin/sh`
			r := runSSH(t, f, h.Name, script)
			sessions[h.Name]++
			if r.exit != 0 {
				t.Fatalf("exit %d: %s", r.exit, r.stderr)
			}
			e := h.Expect
			if e.OSID != "" && !strings.Contains(r.stdout, "ID="+e.OSID+"\n") {
				t.Errorf("os-release: want ID=%s in %q", e.OSID, r.stdout)
			}
			if e.KernelRelease != "" && !strings.Contains(r.stdout, "\n"+e.KernelRelease+"\n") {
				t.Errorf("uname -r: want %s in %q", e.KernelRelease, r.stdout)
			}
			for _, rv := range e.Runc {
				name, version, _ := strings.Cut(rv, " ")
				if !strings.Contains(r.stdout, name+": runc version "+version) {
					t.Errorf("want %q in %q", name+": runc version "+version, r.stdout)
				}
			}
			if !strings.HasSuffix(r.stdout, "\ndash\ndash\n") {
				t.Errorf("/bin/sh is not dash: %q", r.stdout)
			}
		})
	}

	t.Run("eio", func(t *testing.T) {
		r := runSSH(t, f, "seed003-fixed", "cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo")
		sessions["seed003-fixed"]++
		if r.exit == 0 || !strings.Contains(r.stderr, "Input/output error") {
			t.Errorf("want Input/output error, got exit %d, %q %q", r.exit, r.stdout, r.stderr)
		}
		r = runSSH(t, f, "seed003-centos78", "cat /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo")
		sessions["seed003-centos78"]++
		if r.exit != 0 || !strings.HasPrefix(r.stdout, "slabinfo - version: 2.1\n") {
			t.Errorf("want slabinfo, got exit %d, %q %q", r.exit, r.stdout, r.stderr)
		}
	})

	t.Run("stubs beat busybox", func(t *testing.T) {
		r := runSSH(t, f, "seed000-centos75", "dmesg | grep -c 'SLUB: Unable to allocate memory on node -1'; hostname; id -un")
		sessions["seed000-centos75"]++
		if r.stdout != "2\nk8s-node-03\nkaudit\n" {
			t.Errorf("got %q (stderr %q)", r.stdout, r.stderr)
		}
	})

	t.Run("clone", func(t *testing.T) {
		r := runSSH(t, f, "seed003-centos78-c0002", "cat /etc/hostname")
		sessions["seed003-centos78-c0002"]++
		if r.stdout != "82.174-zh\n" {
			t.Errorf("clone hostname %q (stderr %q)", r.stdout, r.stderr)
		}
	})

	faults := []struct {
		host, want string
	}{
		{"fault-unknown-key", "Host key verification failed."},
		{"fault-changed-key", "REMOTE HOST IDENTIFICATION HAS CHANGED"},
		{"fault-refuses-key", "Permission denied (publickey)"},
		{"fault-tarpit", "timed out"},
	}
	for _, tt := range faults {
		t.Run("fault/"+tt.host, func(t *testing.T) {
			start := time.Now()
			r := runSSH(t, f, tt.host, "true")
			if r.exit != 255 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("want exit 255 and %q, got %d %q", tt.want, r.exit, r.stderr)
			}
			if tt.host == "fault-tarpit" && time.Since(start) < 2*time.Second {
				t.Errorf("the tarpit answered after %s; ConnectTimeout is 3s", time.Since(start))
			}
		})
	}
	t.Run("fault/fault-sudo-password", func(t *testing.T) {
		r := runSSH(t, f, "fault-sudo-password", "sudo -n sh -c true")
		sessions["fault-sudo-password"]++
		if r.exit != 1 || r.stderr != "sudo: a password is required\n" {
			t.Errorf("got %d %q", r.exit, r.stderr)
		}
	})

	t.Run("dial in namespace", func(t *testing.T) {
		h, _ := f.Host("vm-noruntime")
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c, err := f.DialContext(dctx, "tcp", h.Address+":22")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "SSH-2.0-OpenSSH") {
			t.Errorf("banner %q, %v", line, err)
		}
	})

	t.Run("sshd stats", func(t *testing.T) {
		stats, err := f.SSHDStats()
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range sessions {
			if stats[name].Sessions != n || stats[name].Accepted != n || stats[name].Connections < n {
				t.Errorf("%s: stats %+v, want %d sessions", name, stats[name], n)
			}
		}
		if s := stats["fault-refuses-key"]; s.Connections != 1 || s.Accepted != 0 {
			t.Errorf("fault-refuses-key: %+v", s)
		}
	})

	t.Run("checksum", func(t *testing.T) {
		after, err := f.Checksum()
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("the sessions changed the fixture trees: %s -> %s", before, after)
		}
		// The checksum must see a change.
		h, _ := f.Host("vm-noruntime")
		p := filepath.Join(h.Root, "etc/hostname")
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("changed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		changed, err := f.Checksum()
		if err2 := os.WriteFile(p, orig, 0o644); err2 != nil {
			t.Fatal(err2)
		}
		if err != nil || changed == before {
			t.Errorf("checksum did not see a changed file (%v)", err)
		}
	})

	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	assertGone(t, f)
	if err := f.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// assertGone checks that nothing of f is left: namespace, mounts, processes,
// directory.
func assertGone(t *testing.T, f *Fleet) {
	t.Helper()
	if netnsExists(f.NetNS) {
		t.Errorf("network namespace %s is left", f.NetNS)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(mi, []byte(f.Dir)) {
		t.Errorf("mounts left under %s", f.Dir)
	}
	if _, err := os.Lstat(f.Dir); err == nil {
		t.Errorf("%s is left", f.Dir)
	}
	for _, pid := range f.pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("process %d started by the fleet is left", pid)
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmdline, _ := os.ReadFile(p + "/cmdline")
		if bytes.Contains(cmdline, []byte(f.Dir+"/")) {
			t.Errorf("process %s is left: %q", p, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		}
	}
}

// TestStartFailureCleansUp makes Start fail after it has created the run
// directory and checks that nothing is left.
func TestStartFailureCleansUp(t *testing.T) {
	Require(t)
	fixtures := t.TempDir()
	bad := filepath.Join(fixtures, "bad-host", "root", "bin")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fixtures, "bad-host", "host.hcl"), []byte("description = \"a top-level bin directory\"\nexpect {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(BaseDir, "test-failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
	f, err := Start(context.Background(), Options{Fixtures: fixtures, Dir: dir, NetNS: "kaudit-test-failure"})
	if err == nil {
		_ = f.Stop()
		t.Fatal("Start succeeded with a broken fixture")
	}
	if !strings.Contains(err.Error(), "top-level bin") {
		t.Errorf("error %q does not say what is wrong", err)
	}
	assertGone(t, &Fleet{Dir: dir, NetNS: "kaudit-test-failure"})
}
