package e2e

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/internal/testfleet"
)

// The sick fleet's hosts run dash as /bin/sh; the shell clones run the same
// faults under bash (as RHEL/CentOS ship it: /bin/sh -> bash, POSIX mode) and
// busybox ash (/bin/sh -> a static busybox, as on minimal and embedded
// nodes). sshd starts the login shell (/bin/sh) and kaudit's `sh -s` from
// PATH: both resolve to the replaced /usr/bin/sh, and so do the fixture
// stubs' `#!/bin/sh` lines, so the hung commands trap SIGTERM in that shell.

// useBash makes bash the role's /bin/sh: the machine's bash and the shared
// libraries ldd names for it that the tree lacks are copied in (never
// written through a hard link: the other hosts keep theirs).
func (c *clones) useBash(role string) {
	c.t.Helper()
	bash := testenv.Program(c.t, "bash", "bash")
	root := c.root(role)
	libs, err := testfleet.LddLibs(context.Background(), bash)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, lib := range libs {
		p := filepath.Join(root, lib) // /lib and /lib64 are links into usr/ inside the root
		if _, err := os.Stat(p); err == nil {
			continue // libc and the loader: dash's, the same files
		}
		if err := copyInto(lib, p); err != nil {
			c.t.Fatal(err)
		}
	}
	dst := filepath.Join(root, "usr/bin/bash")
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.t.Fatal(err)
	}
	if err := copyInto(bash, dst); err != nil {
		c.t.Fatal(err)
	}
	c.symlink(role, "usr/bin/sh", "bash")
}

// useBusybox makes busybox ash the role's /bin/sh. Built as a standalone
// shell, ash runs its in-process applets (uname, head, ...) before PATH; the
// faults given to this role are therefore ones no applet stands in for (a
// hung runc, a FIFO), and its kernel log is not asserted.
func (c *clones) useBusybox(role string) {
	c.t.Helper()
	c.symlink(role, "usr/bin/sh", "busybox")
}

// symlink replaces path in the role's root by a symlink to target.
func (c *clones) symlink(role, path, target string) {
	c.t.Helper()
	p := filepath.Join(c.root(role), path)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		c.t.Fatal(err)
	}
}

// copyInto copies the file src (symlinks followed) to dst, creating dst's
// directory; dst must not exist.
func copyInto(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// exeWatch records, while a run goes on, the programs (the basename of
// /proc/PID/exe) that processes chrooted in each watched root execute: the
// proof that a shell clone's collector really ran under its shell.
type exeWatch struct {
	mu   sync.Mutex
	seen map[string]map[string]bool // root -> exe basenames
	stop context.CancelFunc
	done chan struct{}
}

func watchExes(roots ...string) *exeWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &exeWatch{seen: map[string]map[string]bool{}, stop: cancel, done: make(chan struct{})}
	for _, r := range roots {
		w.seen[filepath.Clean(r)] = map[string]bool{}
	}
	go func() {
		defer close(w.done)
		for {
			w.sample()
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *exeWatch) sample() {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		root, err := os.Readlink(d + "/root")
		if err != nil {
			continue
		}
		w.mu.Lock()
		seen := w.seen[filepath.Clean(root)]
		w.mu.Unlock()
		if seen == nil {
			continue
		}
		exe, err := os.Readlink(d + "/exe")
		if err != nil {
			continue
		}
		w.mu.Lock()
		seen[filepath.Base(strings.TrimSuffix(exe, " (deleted)"))] = true
		w.mu.Unlock()
	}
}

// exes stops the watch and returns what ran in root.
func (w *exeWatch) exes(root string) map[string]bool {
	w.stop()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[filepath.Clean(root)]
}
