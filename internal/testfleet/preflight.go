package testfleet

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
)

// Programs the harness runs on the machine.
const (
	sshdPath = "/usr/sbin/sshd"
)

// Preflight reports, in one error, everything Start needs and this machine
// lacks (root, ip netns, sshd, ssh-keygen, a static busybox, dash); nil when
// nothing is missing. `make deps` installs the packages.
func Preflight() error {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (run as root: network namespaces, chroots and mounts need it)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing = append(missing, "ip (apt-get install iproute2)")
	} else if os.Geteuid() == 0 {
		if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
			missing = append(missing, fmt.Sprintf("working `ip netns` (%v: %s)", err, bytes.TrimSpace(out)))
		}
	}
	if _, err := os.Stat(sshdPath); err != nil {
		missing = append(missing, sshdPath+" (apt-get install openssh-server)")
	}
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		missing = append(missing, "ssh-keygen (apt-get install openssh-client)")
	}
	if _, err := findBusybox(); err != nil {
		missing = append(missing, err.Error())
	}
	if _, err := findDash(); err != nil {
		missing = append(missing, err.Error())
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("test fleet needs: %s", strings.Join(missing, "; "))
}

// Require skips t unless Preflight passes; under CI=true it fails t instead,
// so that a CI machine without the fleet's prerequisites cannot go green by
// skipping.
func Require(t testing.TB) {
	t.Helper()
	err := Preflight()
	if err == nil {
		if _, lerr := exec.LookPath("ssh"); lerr != nil {
			err = errors.New("test fleet needs: ssh (apt-get install openssh-client)")
		}
	}
	testenv.Require(t, "the test fleet", err)
}

func findDash() (string, error) {
	for _, p := range []string{"/usr/bin/dash", "/bin/dash"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("dash (apt-get install dash)")
}

// findBusybox returns a statically linked busybox.
func findBusybox() (string, error) {
	for _, p := range []string{"/usr/bin/busybox", "/bin/busybox", "/usr/lib/initramfs-tools/bin/busybox"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		static, err := isStatic(p)
		if err == nil && static {
			return p, nil
		}
	}
	return "", errors.New("a static busybox (apt-get install busybox-static)")
}

func isStatic(p string) (bool, error) {
	f, err := elf.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// discoverSystem finds dash, its libraries and busybox with its applets.
func discoverSystem(ctx context.Context) (*sysFiles, error) {
	dash, err := findDash()
	if err != nil {
		return nil, err
	}
	bb, err := findBusybox()
	if err != nil {
		return nil, err
	}
	libs, err := LddLibs(ctx, dash)
	if err != nil {
		return nil, err
	}
	// mawk stands for the awk of a real host (gawk on CentOS, mawk on
	// Ubuntu): busybox awk is two orders of magnitude slower on big logs.
	mawk, _ := exec.LookPath("mawk")
	if mawk != "" {
		mlibs, err := LddLibs(ctx, mawk)
		if err != nil {
			return nil, err
		}
		for _, l := range mlibs {
			if !slices.Contains(libs, l) {
				libs = append(libs, l)
			}
		}
	}
	out, err := exec.CommandContext(ctx, bb, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", bb, err)
	}
	var applets []string
	for _, l := range strings.Fields(string(out)) {
		applets = append(applets, l)
	}
	return &sysFiles{Dash: dash, Mawk: mawk, Libs: libs, Busybox: bb, Applets: applets}, nil
}

// LddLibs lists the absolute library paths ldd prints for bin (the dynamic
// loader included).
func LddLibs(ctx context.Context, bin string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "ldd", bin).Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %w", bin, err)
	}
	var libs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if strings.HasPrefix(f, "/") {
				libs = append(libs, filepath.Clean(f))
			}
		}
	}
	if len(libs) == 0 {
		return nil, fmt.Errorf("ldd %s: no libraries found in %q", bin, out)
	}
	return libs, nil
}

// copySystem copies the system files once into dir (at their host paths),
// so the fixtures can hard-link them.
func copySystem(sys *sysFiles, dir string) error {
	paths := append([]string{sys.Dash, sys.Busybox}, sys.Libs...)
	if sys.Mawk != "" {
		paths = append(paths, sys.Mawk)
	}
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return fmt.Errorf("copy %s: %w", p, err)
		}
		info, err := os.Stat(real)
		if err != nil {
			return fmt.Errorf("copy %s: %w", p, err)
		}
		dst := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := copyFile(real, dst, info.Mode().Perm()&0o755); err != nil {
			return fmt.Errorf("copy %s: %w", p, err)
		}
	}
	return nil
}

// ensureAccount makes sure the login user exists and is not locked
// (sshd refuses a locked account: "User ... not allowed because account is
// locked"), and returns it as /etc/passwd describes it.
func ensureAccount(ctx context.Context, name string) (account, error) {
	a, shell, err := lookupPasswd(name)
	if err != nil {
		uerr := runCmd(ctx, "useradd", "-M", "-d", "/home/"+name, "-s", "/bin/sh", name)
		// A concurrent Start may have created it meanwhile: look again.
		if a, shell, err = lookupPasswd(name); err != nil {
			return account{}, fmt.Errorf("create user %s: %w", name, errors.Join(uerr, err))
		}
	}
	if shell != "/bin/sh" && shell != "/usr/bin/sh" {
		return account{}, fmt.Errorf("user %s has shell %s; the fixture hosts provide /bin/sh only (usermod -s /bin/sh %s)", name, shell, name)
	}
	locked, err := shadowLocked(name)
	if err != nil {
		return account{}, err
	}
	if locked {
		if err := runCmd(ctx, "usermod", "-p", "*", name); err != nil {
			return account{}, fmt.Errorf("unlock user %s: %w", name, err)
		}
	}
	if a.Home == "" || !strings.HasPrefix(a.Home, "/") {
		a.Home = "/home/" + name
	}
	return a, nil
}

func lookupPasswd(name string) (account, string, error) {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return account{}, "", err
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) != 7 || f[0] != name {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return account{}, "", fmt.Errorf("/etc/passwd: bad entry for %s", name)
		}
		return account{Name: name, UID: uid, GID: gid, Home: f[5]}, f[6], nil
	}
	return account{}, "", fmt.Errorf("user %s: not in /etc/passwd", name)
}

// shadowLocked reports whether the account's password field starts with
// "!" (locked). A missing shadow entry counts as unlocked.
func shadowLocked(name string) (bool, error) {
	data, err := os.ReadFile("/etc/shadow")
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) >= 2 && f[0] == name {
			return strings.HasPrefix(f[1], "!"), nil
		}
	}
	return false, nil
}
