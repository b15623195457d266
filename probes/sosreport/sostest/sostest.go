// Package sostest builds sosreports for tests from the test fleet's fixture
// hosts (testdata/fleet): the files sos copies, the outputs of the commands
// sos runs (from the fixtures' stubs) and an installed-rpms list, in the
// layout sos 3.x or 4.x writes, as a directory or a compressed tar archive.
package sostest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/kaudit/kaudit/internal/testfleet"
)

// Layout is the sos major version whose layout is written.
type Layout int

const (
	Sos3 Layout = 3 // sos 3.x: sos/plugins/*.py; hostname in sos_commands/general (3.0-3.5)
	Sos4 Layout = 4 // sos 4.x: sos/report/plugins/*.py; hostname in sos_commands/host
)

// Host describes one fixture's sosreport.
type Host struct {
	Fixture string   // testdata/fleet/<Fixture>
	RPMs    []string // installed-rpms lines (NVRA)
	// DockerDown: the docker service was not running, so sos ran no docker
	// command (docker.py's predicate: services=["docker"]).
	DockerDown bool
	// Collected: when sos ran (its date plugin's `date --utc`); zero: no
	// date plugin output.
	Collected time.Time
}

// copied: the host files sos copies (see probes/sosreport paths.go).
var copied = []string{
	"etc/os-release", "etc/redhat-release", "etc/default/grub", "etc/docker/daemon.json",
	"proc/cmdline", "proc/cgroups", "proc/meminfo", "proc/buddyinfo", "proc/version", "proc/mounts", "proc/self/mounts",
	"proc/sys/kernel/osrelease", "proc/sys/vm/extfrag_threshold", "proc/version_signature",
	"sys/kernel/debug/extfrag/extfrag_index", "sys/fs/cgroup/cgroup.controllers",
	"boot/grub2/grub.cfg", "boot/grub2/grubenv", "var/lib/kubelet/config.yaml",
	"var/lib/kubelet/kubeadm-flags.env", "var/log/messages",
}

// Files returns the sosreport's files (path below the report root → content)
// and its symlinks (path → relative target), built from the fixture's layers.
func Files(fleetDir string, h Host, layout Layout) (files map[string][]byte, links map[string]string, err error) {
	root, err := layered(fleetDir, h.Fixture)
	if err != nil {
		return nil, nil, err
	}
	files, links = map[string][]byte{}, map[string]string{}
	for _, p := range copied {
		if b, ok := root[p]; ok {
			files[p] = b
		}
	}
	for p, b := range root {
		if strings.HasPrefix(p, "boot/config-") || strings.HasPrefix(p, "boot/loader/entries/") {
			files[p] = b
		}
	}
	// CentOS 7: /etc/os-release is a link to ../usr/lib/os-release; sos
	// copies both.
	if b, ok := files["etc/os-release"]; ok {
		files["usr/lib/os-release"] = b
		delete(files, "etc/os-release")
		links["etc/os-release"] = "../usr/lib/os-release"
	}
	host := strings.TrimSpace(string(root["proc/sys/kernel/hostname"]))
	rel := strings.TrimSpace(string(root["proc/sys/kernel/osrelease"]))
	ver := strings.TrimSpace(string(root["proc/sys/kernel/version"]))
	hn := "sos_commands/host/hostname"
	if layout == Sos3 {
		hn = "sos_commands/general/hostname"
	}
	files[hn] = []byte(host + "\n")
	links["hostname"] = hn
	files["sos_commands/kernel/uname_-a"] = fmt.Appendf(nil, "Linux %s %s %s x86_64 x86_64 x86_64 GNU/Linux\n", host, rel, ver)
	links["uname"] = "sos_commands/kernel/uname_-a"
	if stub, ok := root["usr/bin/dmesg"]; ok {
		if out, err := runStub(stub); err == nil {
			files["sos_commands/kernel/dmesg"] = out
		}
	}
	if stub, ok := root["usr/bin/docker"]; ok && !h.DockerDown {
		if out, err := runStub(stub, "--version"); err == nil {
			v, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "Docker version "), ",")
			dockerOutputs(files, root, v)
		}
	}
	if err := slabListing(files, fleetDir, h.Fixture, layout); err != nil {
		return nil, nil, err
	}
	if !h.Collected.IsZero() {
		files["sos_commands/date/date_--utc"] = []byte(h.Collected.UTC().Format("Mon Jan _2 15:04:05 UTC 2006") + "\n")
	}
	rpm := "sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_--qf_NAME_-_VERSION_-_RELEASE_._ARCH_INSTALLTIME_date_sort_-V"
	if layout == Sos3 {
		rpm = "sos_commands/rpm/sh_-c_rpm_--nodigest_-qa_--qf_NAME_-_VERSION_-_RELEASE_._ARCH_INSTALLTIME_date_awk_-F_printf_-59s_s_n_1_2_sort_-V"
	}
	var rb bytes.Buffer
	for _, r := range h.RPMs {
		fmt.Fprintf(&rb, "%-59s Mon 01 Jun 2020 10:00:00 AM CST\n", r)
	}
	files[rpm] = rb.Bytes()
	links["installed-rpms"] = rpm
	return files, links, nil
}

// slabListing writes sos's kernel-plugin listing of /sys/kernel/slab for
// the entries the fixture's slab block generates: `ls -lt` (sos 3.5-4.7)
// for the sos 3 layout, `ls -alZ` with "." and ".." (add_dir_listing, sos
// 4.8+) for sos 4, both as RHEL 7 prints them (SELinux "." after the mode).
func slabListing(files map[string][]byte, fleetDir, fixture string, layout Layout) error {
	all, err := testfleet.LoadFixtures(fleetDir)
	if err != nil {
		return err
	}
	fx, ok := all[fixture]
	if !ok {
		return fmt.Errorf("fixture %s: not in %s", fixture, fleetDir)
	}
	if fx.Manifest.Slab == nil {
		return nil
	}
	names, err := testfleet.SlabNames(fleetDir, fx.Manifest.Slab)
	if err != nil {
		return fmt.Errorf("fixture %s: %w", fixture, err)
	}
	var b bytes.Buffer
	b.WriteString("total 0\n")
	if layout == Sos3 {
		for _, n := range names {
			fmt.Fprintf(&b, "drwxr-xr-x. 2 root root 0 Jun  1 02:10 %s\n", n)
		}
		files["sos_commands/kernel/ls_-lt_.sys.kernel.slab"] = b.Bytes()
		return nil
	}
	const ctx = "system_u:object_r:sysfs_t:s0"
	fmt.Fprintf(&b, "drwxr-xr-x. %3d root root %s 0 Jun  1 02:10 .\n", len(names)+2, ctx)
	fmt.Fprintf(&b, "drwxr-xr-x.  14 root root %s 0 Jun  1 02:10 ..\n", ctx)
	for _, n := range names {
		fmt.Fprintf(&b, "drwxr-xr-x.   2 root root %s 0 Jun  1 02:10 %s\n", ctx, n)
	}
	files["sos_commands/kernel/ls_-alZ_.sys.kernel.slab"] = b.Bytes()
	return nil
}

// dockerOutputs writes sos's `docker version` and `docker info` for a
// docker v as the daemon prints them: its runc is the default runtime's
// binary (RHEL's docker 1.x: docker-runc-current in /usr/libexec/docker;
// docker-ce up to 18.06: docker-runc; later: containerd.io's runc), and
// "runc version" is the commit line of that binary's --version (moby's
// parseRuncVersion). RHEL's docker 1.13.1 also prints the commit it was
// built against ("expected"); docker 19.03 lists runc in docker version.
func dockerOutputs(files map[string][]byte, root map[string][]byte, v string) {
	rhel := strings.HasPrefix(v, "1.")
	bin, runtimes, def := "usr/bin/runc", "runc", "runc"
	switch {
	case rhel:
		bin, runtimes, def = "usr/libexec/docker/docker-runc-current", "docker-runc runc", "docker-runc"
	case v < "18.09":
		bin = "usr/bin/docker-runc"
	}
	var runcVer, commit string
	if stub, ok := root[bin]; ok {
		if out, err := runStub(stub, "--version"); err == nil {
			for _, l := range strings.Split(string(out), "\n") {
				if c, ok := strings.CutPrefix(l, "commit: "); ok {
					commit = strings.TrimSpace(c)
				} else if rv, ok := strings.CutPrefix(l, "runc version "); ok {
					runcVer = strings.TrimSpace(rv)
				}
			}
		}
	}
	var dv bytes.Buffer
	if rhel {
		fmt.Fprintf(&dv, "Client:\n Version:         %s\n API version:     1.26\n Package version: docker-%s\n\nServer:\n Version:         %s\n API version:     1.26 (minimum version 1.12)\n", v, v, v)
	} else {
		fmt.Fprintf(&dv, "Client:\n Version:           %s\n API version:       1.38\n Go version:        go1.10.3\n\nServer:\n Engine:\n  Version:          %s\n  API version:      1.38 (minimum version 1.12)\n", v, v)
		if v >= "19.03" && runcVer != "" {
			fmt.Fprintf(&dv, " runc:\n  Version:          %s\n  GitCommit:        %s\n", runcVer, commit)
		}
	}
	files["sos_commands/docker/docker_version"] = dv.Bytes()
	var di bytes.Buffer
	fmt.Fprintf(&di, "Server Version: %s\nRuntimes: %s\nDefault Runtime: %s\n", v, runtimes, def)
	rc := commit
	if rc == "" {
		rc = "N/A"
	}
	if rhel {
		fmt.Fprintf(&di, "runc version: %s (expected: 9df8b306d01f59d3a8029be411de015b7304dd8f)\n", rc)
	} else {
		fmt.Fprintf(&di, "runc version: %s\n", rc)
	}
	files["sos_commands/docker/docker_info"] = di.Bytes()
}

// layered reads a fixture's root: _common, its base chain, then its own.
func layered(fleetDir, name string) (map[string][]byte, error) {
	chain := []string{}
	for n := name; n != ""; {
		chain = append([]string{n}, chain...)
		b, err := os.ReadFile(filepath.Join(fleetDir, n, "host.hcl"))
		if err != nil {
			break // a layer (_centos7) has no manifest
		}
		n = ""
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "base"); ok {
				v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "="))
				n = strings.Trim(v, `"`)
				break
			}
		}
	}
	chain = append([]string{"_common"}, chain...)
	out := map[string][]byte{}
	for _, layer := range chain {
		dir := filepath.Join(fleetDir, layer, "root")
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("fixture %s: %w", layer, err)
		}
	}
	return out, nil
}

// runStub runs a fixture's #!/bin/sh stub (they only print) and returns its
// stdout.
func runStub(script []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("sh", append([]string{"-s", "--"}, args...)...)
	cmd.Stdin = bytes.NewReader(script)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	return cmd.Output()
}

// WriteDir writes the report below dir/top and returns its path.
func WriteDir(dir, top string, files map[string][]byte, links map[string]string) (string, error) {
	root := filepath.Join(dir, top)
	for p, b := range files {
		fp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(fp, b, 0o644); err != nil {
			return "", err
		}
	}
	for p, target := range links {
		fp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return "", err
		}
		if err := os.Symlink(relTo(p, target), fp); err != nil {
			return "", err
		}
	}
	return root, nil
}

// relTo turns a link target given relative to the report root into one
// relative to the link's own directory, as sos writes them.
func relTo(link, target string) string {
	if strings.HasPrefix(target, "../") {
		return target // already relative to the link's directory
	}
	up := strings.Count(path.Dir(link), "/")
	if path.Dir(link) != "." {
		up++
	}
	return strings.Repeat("../", up) + target
}

// Tar writes the report as a tar stream below top/ (directories, files,
// symlinks, in sorted order).
func Tar(w io.Writer, top string, files map[string][]byte, links map[string]string) error {
	tw := tar.NewWriter(w)
	var names []string
	for p := range files {
		names = append(names, p)
	}
	for p := range links {
		names = append(names, p)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, p := range names {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	if err := tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		return err
	}
	for _, d := range ds {
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return err
		}
	}
	for _, p := range names {
		if t, ok := links[p]; ok {
			if err := tw.WriteHeader(&tar.Header{Name: top + "/" + p, Typeflag: tar.TypeSymlink, Linkname: relTo(p, t), Mode: 0o777}); err != nil {
				return err
			}
			continue
		}
		b := files[p]
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + p, Typeflag: tar.TypeReg, Size: int64(len(b)), Mode: 0o644}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	return tw.Close()
}

// WriteArchive writes the report as dir/top.tar.<kind> (kind "xz", "gz" or
// "bz2"; bz2 needs the bzip2 program: the standard library only reads it).
func WriteArchive(dir, top, kind string, files map[string][]byte, links map[string]string) (string, error) {
	var tb bytes.Buffer
	if err := Tar(&tb, top, files, links); err != nil {
		return "", err
	}
	p := filepath.Join(dir, top+".tar."+kind)
	var out bytes.Buffer
	switch kind {
	case "xz":
		w, err := xz.NewWriter(&out)
		if err != nil {
			return "", err
		}
		if _, err := w.Write(tb.Bytes()); err != nil {
			return "", err
		}
		if err := w.Close(); err != nil {
			return "", err
		}
	case "gz":
		w := gzip.NewWriter(&out)
		if _, err := w.Write(tb.Bytes()); err != nil {
			return "", err
		}
		if err := w.Close(); err != nil {
			return "", err
		}
	case "bz2":
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = &tb
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("bzip2: %w", err)
		}
	default:
		return "", fmt.Errorf("unknown archive kind %q", kind)
	}
	return p, os.WriteFile(p, out.Bytes(), 0o644)
}

// SeedsByFixture is Seeds keyed by fixture name.
func SeedsByFixture() map[string]Host {
	m := map[string]Host{}
	for _, h := range Seeds() {
		m[h.Fixture] = h
	}
	return m
}

// Seeds are the seed hosts' sosreports: the fixture and the packages its
// author's node had (the versions its --version outputs show).
func Seeds() []Host {
	return []Host{
		{Fixture: "seed000-centos75", RPMs: []string{"docker-ce-18.06.1.ce-3.el7.x86_64", "kubelet-1.12.3-0.x86_64", "kernel-3.10.0-862.el7.x86_64"}},
		{Fixture: "seed001-memcg-oom", RPMs: []string{"containerd.io-1.2.10-3.2.el7.x86_64", "docker-ce-19.03.2-3.el7.x86_64", "kubelet-1.16.15-0.x86_64"}},
		{Fixture: "seed002-nfconn", RPMs: []string{"docker-1.13.1-103.git7f2769b.el7.centos.x86_64", "kubelet-1.9.11-0.x86_64"}},
		{Fixture: "seed003-centos78", RPMs: []string{"containerd.io-1.3.9-3.1.el7.x86_64", "docker-ce-19.03.14-3.el7.x86_64", "kubelet-1.15.5-0.x86_64", "runc-1.0.0-69.rc10.el7_9.x86_64"}},
		{Fixture: "seed004-kmem-usage", RPMs: []string{"containerd.io-1.2.10-3.2.el7.x86_64", "docker-ce-19.03.2-3.el7.x86_64", "kubelet-1.17.4-0.x86_64"}},
		{Fixture: "nokmem-fixed", RPMs: []string{"containerd.io-1.3.9-3.1.el7.x86_64", "docker-ce-19.03.14-3.el7.x86_64", "kubelet-1.18.20-0.x86_64", "runc-1.0.0-69.rc10.el7_9.x86_64"}},
	}
}

// XZBlock is one block of a hand-built xz stream: its data, stored in
// uncompressed LZMA2 chunks, and the dictionary size code its header
// declares (xz format 5.3.1: 2 or 3 << (code/2 + 11) bytes, 40 = 4 GiB;
// the decoder allocates what the header says).
type XZBlock struct {
	Data []byte
	Dict byte
}

// HandXZ builds an xz file (format 1.0.4) by hand: each inner slice is a
// stream of blocks with CRC32 checks, streams separated by 4 bytes of
// stream padding. No encoder is involved, so a header may declare any
// dictionary.
func HandXZ(streams ...[]XZBlock) []byte {
	var out bytes.Buffer
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	uvarint := func(b []byte, v uint64) []byte {
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		return append(b, byte(v))
	}
	pad4 := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	flags := []byte{0, 0x01} // CRC32 checks
	for si, blocks := range streams {
		if si > 0 {
			out.Write([]byte{0, 0, 0, 0})
		}
		out.Write([]byte{0xfd, '7', 'z', 'X', 'Z', 0})
		out.Write(flags)
		out.Write(le32(crc32.ChecksumIEEE(flags)))
		var index []byte
		for _, b := range blocks {
			h := pad4([]byte{0, 0x00, 0x21, 0x01, b.Dict})
			h[0] = byte((len(h)+4)/4 - 1)
			h = append(h, le32(crc32.ChecksumIEEE(h))...)
			var c []byte
			for i, d := 0, b.Data; len(d) > 0; i++ {
				n := min(len(d), 1<<16)
				ctl := byte(2)
				if i == 0 {
					ctl = 1 // dictionary reset
				}
				c = append(c, ctl, byte((n-1)>>8), byte(n-1))
				c = append(c, d[:n]...)
				d = d[n:]
			}
			c = append(c, 0)
			unpadded := len(h) + len(c) + 4
			out.Write(h)
			out.Write(pad4(c))
			out.Write(le32(crc32.ChecksumIEEE(b.Data)))
			index = uvarint(uvarint(index, uint64(unpadded)), uint64(len(b.Data)))
		}
		idx := pad4(append(uvarint([]byte{0}, uint64(len(blocks))), index...))
		idx = append(idx, le32(crc32.ChecksumIEEE(idx))...)
		out.Write(idx)
		foot := append(le32(uint32(len(idx)/4-1)), flags...)
		out.Write(le32(crc32.ChecksumIEEE(foot)))
		out.Write(foot)
		out.Write([]byte("YZ"))
	}
	return out.Bytes()
}
