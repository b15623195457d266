package testfleet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// kprocDir is where each chroot gets its own procfs: EIO files are symlinks
// to /.kproc/self/mem, which reads as "Input/output error" at offset 0.
const (
	kprocDir    = "/.kproc"
	eioTarget   = kprocDir + "/self/mem"
	commonLayer = "_common"
)

// usrMerged are the top-level directories that are symlinks into /usr on
// CentOS 7 and Ubuntu 22.04 alike.
var usrMerged = map[string]string{"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}

// pathDirs are the directories searched for commands; a fixture file in one
// of them keeps busybox from installing an applet of that name.
var pathDirs = []string{"usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin"}

// skipApplets are busybox applets never linked into a fixture: the shell
// (dash is /bin/sh), applets that would report THIS machine instead of the
// fixture (dmesg, uname, hostname, free, uptime, nproc, ...), and daemons,
// network clients and login tools that have no business in a test host.
var skipApplets = map[string]bool{
	"sh": true, "ash": true, "hush": true, "linuxrc": true, "busybox": true,
	"dmesg": true, "uname": true, "arch": true, "hostname": true, "dnsdomainname": true, "hostid": true,
	"free": true, "uptime": true, "nproc": true, "klogd": true, "syslogd": true, "logread": true,
	"init": true, "halt": true, "poweroff": true, "reboot": true,
	"su": true, "login": true, "passwd": true, "nologin": true, "sulogin": true, "getty": true,
	"wget": true, "ftpget": true, "ftpput": true, "nc": true, "telnet": true, "telnetd": true, "httpd": true,
	"tftp": true, "udhcpc": true, "udhcpd": true, "ssl_client": true,
	"rpm": true, "rpm2cpio": true, "dpkg": true, "dpkg-deb": true,
}

// sysFiles are the machine's programs every fixture gets: dash as /bin/sh
// (with the libraries it needs) and a static busybox for the other tools.
type sysFiles struct {
	Dash    string   // host path of dash
	Mawk    string   // host path of mawk ("" when absent): awk, as fast as a real host's
	Libs    []string // host paths of the libraries dash and mawk need (from ldd)
	Busybox string   // host path of the static busybox
	Applets []string // busybox --list-full entries ("usr/bin/awk")
}

// account is the login user as the machine knows it.
type account struct {
	Name string
	UID  int
	GID  int
	Home string
}

// builder builds fixture root trees.
type builder struct {
	fleetDir string // testdata/fleet, absolute
	fixtures map[string]*Fixture
	sys      *sysFiles
	sysDir   string // where sys files were copied once (hard-linked into roots)
	user     account
	// privileged: create device nodes and chown the home directory (root).
	privileged bool
}

// buildHost builds fx's tree at root, which must not exist.
func (b *builder) buildHost(fx *Fixture, root string) error {
	if err := os.Mkdir(root, 0o755); err != nil {
		return fmt.Errorf("build %s: %w", fx.Name, err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return fmt.Errorf("build %s: %w", fx.Name, err)
	}
	chain, err := fx.chain(b.fixtures)
	if err != nil {
		return fmt.Errorf("build %s: %w", fx.Name, err)
	}
	if common, ok := b.fixtures[commonLayer]; ok && fx.Name != commonLayer {
		chain = append([]*Fixture{common}, chain...)
	}
	for top, target := range usrMerged {
		if err := os.MkdirAll(filepath.Join(root, target), 0o755); err != nil {
			return fmt.Errorf("build %s: %w", fx.Name, err)
		}
		if err := os.Symlink(target, filepath.Join(root, top)); err != nil {
			return fmt.Errorf("build %s: %w", fx.Name, err)
		}
	}
	for _, layer := range chain {
		src := filepath.Join(layer.Dir, "root")
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := overlayTree(src, root); err != nil {
			return fmt.Errorf("build %s: layer %s: %w", fx.Name, layer.Name, err)
		}
	}
	steps := []func(*Fixture, string) error{
		b.installSystem, b.installAccounts, b.installBaseDirs,
		b.generateFiles, b.generateMemcg, b.generateSlab, b.generateKernelLog,
		b.applyEIO, b.applyModes,
	}
	for _, step := range steps {
		if err := step(fx, root); err != nil {
			return fmt.Errorf("build %s: %w", fx.Name, err)
		}
	}
	return nil
}

// walkRel walks root calling fn with each path and its path relative to root.
func walkRel(root string, fn func(p, rel string, d fs.DirEntry) error) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		return fn(p, rel, d)
	})
}

// overlayTree copies src over dst: directories 0755, files 0755 when the
// source is executable else 0644, symlinks as they are. A top-level bin,
// sbin, lib or lib64 directory is refused (those are /usr symlinks).
func overlayTree(src, dst string) error {
	return walkRel(src, func(p, rel string, d fs.DirEntry) error {
		if rel == "." {
			return nil
		}
		if _, merged := usrMerged[rel]; merged {
			return fmt.Errorf("%s: top-level %s must not exist in a fixture (it is a symlink to /%s)", p, rel, usrMerged[rel])
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := removeIfNotDir(target); err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			return os.Chmod(target, 0o755)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			mode := os.FileMode(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			if err := removeIfNotDir(target); err != nil {
				return err
			}
			return copyFile(p, target, mode)
		default:
			return fmt.Errorf("%s: unsupported file type %s", p, d.Type())
		}
	})
}

func removeIfNotDir(p string) error {
	info, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s: a directory in a lower layer", p)
	}
	return os.Remove(p)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// inRoot maps an absolute path of the host-to-be to its place in root,
// following the /usr merge (so /bin/sh is written as /usr/bin/sh).
func inRoot(root, p string) string {
	rel := strings.TrimPrefix(filepath.Clean(p), "/")
	first, rest, _ := strings.Cut(rel, "/")
	if target, ok := usrMerged[first]; ok {
		rel = filepath.Join(target, rest)
	}
	return filepath.Join(root, rel)
}

// writeFile writes data at the absolute host path p inside root, creating
// parent directories 0755 and replacing a file already there.
func writeFile(root, p string, data []byte, mode os.FileMode) error {
	dst := inRoot(root, p)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := removeIfNotDir(dst); err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// installSystem links dash (as /bin/sh), its libraries and busybox with its
// applets into root.
func (b *builder) installSystem(fx *Fixture, root string) error {
	if b.sys == nil {
		return nil
	}
	link := func(hostPath, rootPath string) error {
		dst := inRoot(root, rootPath)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := removeIfNotDir(dst); err != nil {
			return err
		}
		return os.Link(filepath.Join(b.sysDir, hostPath), dst)
	}
	if err := link(b.sys.Dash, "/usr/bin/dash"); err != nil {
		return fmt.Errorf("install dash: %w", err)
	}
	if err := replaceSymlink("dash", inRoot(root, "/bin/sh")); err != nil {
		return fmt.Errorf("install /bin/sh: %w", err)
	}
	for _, lib := range b.sys.Libs {
		if err := link(lib, lib); err != nil {
			return fmt.Errorf("install %s: %w", lib, err)
		}
	}
	if err := link(b.sys.Busybox, "/usr/bin/busybox"); err != nil {
		return fmt.Errorf("install busybox: %w", err)
	}
	if b.sys.Mawk != "" {
		if err := link(b.sys.Mawk, "/usr/bin/mawk"); err != nil {
			return fmt.Errorf("install mawk: %w", err)
		}
		if _, err := os.Lstat(inRoot(root, "/usr/bin/awk")); errors.Is(err, fs.ErrNotExist) {
			if err := os.Symlink("mawk", inRoot(root, "/usr/bin/awk")); err != nil {
				return fmt.Errorf("install awk: %w", err)
			}
		}
	}
	provided := map[string]bool{}
	for _, d := range pathDirs {
		entries, err := os.ReadDir(filepath.Join(root, d))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, e := range entries {
			provided[e.Name()] = true
		}
	}
	for _, a := range b.sys.Applets {
		name := filepath.Base(a)
		if skipApplets[name] || provided[name] || !strings.Contains(a, "/") {
			continue
		}
		dst := inRoot(root, "/"+a)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Symlink("/usr/bin/busybox", dst); err != nil {
			return fmt.Errorf("install applet %s: %w", name, err)
		}
	}
	return nil
}

func replaceSymlink(target, p string) error {
	if err := removeIfNotDir(p); err != nil {
		return err
	}
	return os.Symlink(target, p)
}

// installAccounts writes /etc/passwd and /etc/group with root, nobody and
// the login user (sshd looks the user up on the machine; the tools inside
// the chroot, id(1) for one, look it up here).
func (b *builder) installAccounts(fx *Fixture, root string) error {
	u := b.user
	if u.Name == "" {
		return nil
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\nnobody:x:99:99:Nobody:/:/sbin/nologin\n%s:x:%d:%d::%s:/bin/sh\n", u.Name, u.UID, u.GID, u.Home)
	group := fmt.Sprintf("root:x:0:\nnobody:x:99:\n%s:x:%d:\n", u.Name, u.GID)
	if err := writeFile(root, "/etc/passwd", []byte(passwd), 0o644); err != nil {
		return err
	}
	return writeFile(root, "/etc/group", []byte(group), 0o644)
}

// installBaseDirs creates /tmp, /var/tmp, /root, the user's home, /.kproc
// and (when privileged) /dev/null, /dev/zero, /dev/urandom.
func (b *builder) installBaseDirs(fx *Fixture, root string) error {
	dirs := []struct {
		path string
		mode os.FileMode
	}{
		{"/tmp", 0o777 | os.ModeSticky}, {"/var/tmp", 0o777 | os.ModeSticky},
		{"/root", 0o550}, {kprocDir, 0o555}, {"/dev", 0o755}, {"/home", 0o755},
	}
	for _, d := range dirs {
		p := inRoot(root, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
	}
	if b.user.Home != "" {
		home := inRoot(root, b.user.Home)
		if err := os.MkdirAll(home, 0o755); err != nil {
			return err
		}
		if b.privileged {
			if err := os.Chown(home, b.user.UID, b.user.GID); err != nil {
				return err
			}
		}
	}
	if !b.privileged {
		return nil
	}
	for _, dev := range []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"urandom", 1, 9}} {
		p := filepath.Join(root, "dev", dev.name)
		if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(dev.major, dev.minor))); err != nil {
			return fmt.Errorf("mknod %s: %w", p, err)
		}
		if err := os.Chmod(p, 0o666); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) generateFiles(fx *Fixture, root string) error {
	for _, f := range fx.Manifest.Files {
		data := []byte(f.Content)
		if f.Escapes {
			var err error
			if data, err = unescape(f.Content); err != nil {
				return fmt.Errorf("file %s: %w", f.Path, err)
			}
		}
		mode := os.FileMode(0o644)
		if f.Mode != "" {
			mode, _ = parseMode(f.Mode) // validated
		}
		if err := writeFile(root, f.Path, data, mode); err != nil {
			return fmt.Errorf("file %s: %w", f.Path, err)
		}
	}
	return nil
}

// applyEIO turns each listed path into a symlink to /.kproc/self/mem.
func (b *builder) applyEIO(fx *Fixture, root string) error {
	for _, p := range fx.Manifest.EIO {
		if err := makeEIO(inRoot(root, p)); err != nil {
			return fmt.Errorf("eio %s: %w", p, err)
		}
	}
	return nil
}

func makeEIO(dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return replaceSymlink(eioTarget, dst)
}

func (b *builder) applyModes(fx *Fixture, root string) error {
	for p, s := range fx.Manifest.Modes {
		mode, _ := parseMode(s) // validated
		dst := inRoot(root, p)
		if _, err := os.Lstat(dst); err != nil {
			return fmt.Errorf("modes %s: %w", p, err)
		}
		if err := os.Chmod(dst, mode); err != nil {
			return fmt.Errorf("modes %s: %w", p, err)
		}
	}
	return nil
}

// cloneTree recreates src at dst with every regular file hard-linked (so a
// clone costs directories and links, not data). dst must not exist.
func cloneTree(src, dst string) error {
	return walkRel(src, func(p, rel string, d fs.DirEntry) error {
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			if st, ok := info.Sys().(*unix.Stat_t); ok {
				if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil {
					return err
				}
			}
			return os.Chmod(target, info.Mode()&(fs.ModePerm|fs.ModeSticky))
		default:
			return os.Link(p, target)
		}
	})
}
