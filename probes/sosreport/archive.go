// Package sosreport reads a sosreport (the archive or directory the sos tool
// writes) without unpacking it and turns the files sos collected into the
// collector's sections, so the facts come out of the same parse.Build as a
// live host's. See docs/facts.md "sosreports" for which sos paths feed which
// section and the sos plugin sources they come from.
package sosreport

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ulikunitz/xz"
)

// Limits bound what one sosreport may cost. The zero value is not useful:
// use DefaultLimits.
type Limits struct {
	// FileMax: bytes kept of one wanted file (the rest is cut, the section
	// marked truncated), as the collector caps a section.
	FileMax int64
	// LogMax: bytes of one kernel log scanned for signatures (its last
	// LogMax bytes in a directory, its first in an archive stream).
	LogMax int64
	// ArchiveMax: bytes an archive may expand to; beyond it the archive is
	// rejected (a decompression bomb or a huge member).
	ArchiveMax int64
	// MemberMax: size a single archive member may declare.
	MemberMax int64
	// Members: number of archive members or directory entries read.
	Members int
	// XZDictMax: the largest LZMA2 dictionary an xz block may declare (the
	// decoder allocates it); 0 means MaxXZDict.
	XZDictMax int64
}

// DefaultLimits: a real sosreport is tens to hundreds of MB unpacked; sos
// itself caps a log at 25 MiB by default (--log-size).
func DefaultLimits() Limits {
	return Limits{
		FileMax:    256 << 10, // the collector's per-section cap
		LogMax:     64 << 20,  // parse.KernelLogInputMax
		ArchiveMax: 8 << 30,
		MemberMax:  2 << 30,
		Members:    2_000_000,
		XZDictMax:  MaxXZDict,
	}
}

// entry is one wanted file of the tree: its bytes (capped), or for a kernel
// log the signature summary computed while it streamed past.
type entry struct {
	data      []byte
	truncated bool
	link      string // symlink target, relative to the tree root, "" for a file
	log       *logSummary
}

// Tree is the part of a sosreport kaudit reads: wanted files by their path
// below the report's root ("proc/cmdline", "sos_commands/kernel/uname_-a").
type Tree struct {
	Name    string // the report's top-level directory or archive base name
	entries map[string]*entry
}

// Open reads the sosreport at p: a directory, or a tar archive compressed
// with xz, gzip or bzip2 (recognised by its first bytes), read as a stream.
func Open(p string, lim Limits) (*Tree, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("open sosreport: %w", err)
	}
	if st.IsDir() {
		return readDir(p, lim)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open sosreport: %w", err)
	}
	defer f.Close()
	t, err := ReadArchive(f, lim)
	if err != nil {
		return nil, err
	}
	if t.Name == "" {
		t.Name = archiveBase(filepath.Base(p))
	}
	return t, nil
}

func archiveBase(n string) string {
	for _, ext := range []string{".tar.xz", ".tar.gz", ".tgz", ".tar.bz2", ".tar"} {
		if s, ok := strings.CutSuffix(n, ext); ok {
			return s
		}
	}
	return n
}

// ReadArchive reads a compressed tar stream.
func ReadArchive(r io.Reader, lim Limits) (*Tree, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(6)
	var dec io.Reader
	switch {
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		// Every block header's dictionary is checked before the
		// decoder sees it (xzGuard). DictCap is the decoder's minimum
		// (its default is 8 MiB): the smallest, so a block costs what its
		// header declares.
		x, err := xz.ReaderConfig{DictCap: 4 << 10}.NewReader(newXZGuard(br, lim.XZDictMax))
		if err != nil {
			return nil, fmt.Errorf("read sosreport: xz: %w", err)
		}
		dec = x
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		g, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read sosreport: gzip: %w", err)
		}
		defer g.Close()
		dec = g
	case bytes.HasPrefix(magic, []byte("BZh")):
		dec = bzip2.NewReader(br)
	default:
		return nil, errors.New("read sosreport: not a .tar.xz, .tar.gz or .tar.bz2 archive")
	}
	// The whole expanded stream is bounded, members included.
	lr := &io.LimitedReader{R: dec, N: lim.ArchiveMax + 1}
	t := &Tree{entries: map[string]*entry{}}
	tr := tar.NewReader(lr)
	top := ""
	for n := 0; ; n++ {
		if n >= lim.Members {
			return nil, fmt.Errorf("read sosreport: more than %d members", lim.Members)
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if lr.N <= 0 {
			return nil, fmt.Errorf("read sosreport: expands beyond %d bytes", lim.ArchiveMax)
		}
		if err != nil {
			return nil, fmt.Errorf("read sosreport: corrupt or truncated archive: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := memberPath(h.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue
		}
		// Every member sits below one top-level directory (sosreport-HOST-...).
		first, rest, _ := strings.Cut(name, "/")
		if top == "" {
			top = first
		} else if first != top {
			return nil, fmt.Errorf("read sosreport: member %q is outside the report's directory %q", clip(h.Name), clip(top))
		}
		if h.Size > lim.MemberMax {
			return nil, fmt.Errorf("read sosreport: member %q declares %d bytes (limit %d)", clip(h.Name), h.Size, lim.MemberMax)
		}
		switch h.Typeflag {
		case tar.TypeSymlink:
			target, err := linkTarget(rest, h.Linkname)
			if err != nil {
				return nil, err
			}
			if wanted(rest) {
				t.entries[rest] = &entry{link: target}
			}
		case tar.TypeLink:
			target, err := memberPath(h.Linkname)
			if err != nil {
				return nil, err
			}
			tf, trest, _ := strings.Cut(target, "/")
			if tf != top {
				return nil, fmt.Errorf("read sosreport: hard link %q points outside the report (%q)", clip(h.Name), clip(h.Linkname))
			}
			if wanted(rest) {
				t.entries[rest] = &entry{link: trest}
			}
		default:
			if h.Typeflag != tar.TypeReg || !wanted(rest) {
				continue
			}
			e, err := readEntry(tr, rest, lim)
			if err != nil {
				return nil, fmt.Errorf("read sosreport: %s: corrupt or truncated archive: %w", clip(h.Name), err)
			}
			t.entries[rest] = e
		}
	}
	// Read to the end of the compressed stream: its checksum and trailer
	// tell a truncated or corrupt archive from a complete one.
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return nil, fmt.Errorf("read sosreport: corrupt or truncated archive: %w", err)
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("read sosreport: expands beyond %d bytes", lim.ArchiveMax)
	}
	if top == "" {
		return nil, errors.New("read sosreport: the archive is empty")
	}
	t.Name = top
	return t, nil
}

// memberPath cleans an archive member name; names that climb out of the
// archive (absolute, "..") are an error.
func memberPath(n string) (string, error) {
	if strings.HasPrefix(n, "/") || strings.ContainsRune(n, 0) || strings.Contains(n, `\`) {
		return "", fmt.Errorf("read sosreport: member %q: absolute or unsafe path", clip(n))
	}
	c := path.Clean(n)
	if c == "." {
		return "", nil
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("read sosreport: member %q: path traversal", clip(n))
	}
	return c, nil
}

// linkTarget resolves a symlink at rel (below the report root) to the path
// below the root it names; a link out of the report is an error (sos writes
// only relative links inside it).
func linkTarget(rel, link string) (string, error) {
	if strings.HasPrefix(link, "/") {
		return "", fmt.Errorf("read sosreport: symlink %q points outside the report (%q)", clip(rel), clip(link))
	}
	c := path.Clean(path.Join(path.Dir(rel), link))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("read sosreport: symlink %q points outside the report (%q)", clip(rel), clip(link))
	}
	return c, nil
}

// readEntry keeps a wanted member: a kernel log as its signature summary,
// any other file up to FileMax bytes.
func readEntry(r io.Reader, rel string, lim Limits) (*entry, error) {
	if isLog(rel) {
		s, err := summarise(io.LimitReader(r, lim.LogMax))
		if err != nil {
			return nil, err
		}
		// Whatever is left past LogMax is skipped by the tar reader.
		n, _ := io.Copy(io.Discard, io.LimitReader(r, 1))
		s.truncated = n > 0
		return &entry{log: s}, nil
	}
	limit := lim.FileMax
	if isRPMList(rel) {
		limit = max(limit, RPMListMax)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	e := &entry{data: b}
	if int64(len(b)) > limit {
		e.data, e.truncated = b[:limit], true
	}
	return e, nil
}

// readDir reads the wanted files of an unpacked sosreport. Symlinks are
// followed only inside the directory.
func readDir(root string, lim Limits) (*Tree, error) {
	t := &Tree{Name: filepath.Base(filepath.Clean(root)), entries: map[string]*entry{}}
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read sosreport: %w", err)
		}
		if n++; n > lim.Members {
			return fmt.Errorf("read sosreport: more than %d entries", lim.Members)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if !wantedDir(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !wanted(rel) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			link, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("read sosreport: %w", err)
			}
			target, err := linkTarget(rel, filepath.ToSlash(link))
			if err != nil {
				return err
			}
			t.entries[rel] = &entry{link: target}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("read sosreport: %w", err)
		}
		defer f.Close()
		if isLog(rel) {
			// A file's last LogMax bytes: the newest lines, as the collector's tail -c.
			if st, err := f.Stat(); err == nil && st.Size() > lim.LogMax {
				if _, err := f.Seek(st.Size()-lim.LogMax, io.SeekStart); err != nil {
					return fmt.Errorf("read sosreport: %s: %w", rel, err)
				}
				s, err := summarise(f)
				if err != nil {
					return fmt.Errorf("read sosreport: %s: %w", rel, err)
				}
				s.truncated = true
				t.entries[rel] = &entry{log: s}
				return nil
			}
		}
		e, err := readEntry(f, rel, lim)
		if err != nil {
			return fmt.Errorf("read sosreport: %s: %w", rel, err)
		}
		t.entries[rel] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// lookup returns the entry at rel, following symlinks inside the tree (at
// most 8 hops); nil when the report has no such file.
func (t *Tree) lookup(rel string) *entry {
	for range 8 {
		e := t.entries[rel]
		if e == nil || e.link == "" {
			return e
		}
		rel = e.link
	}
	return nil
}

// Has reports whether the report holds a file at rel.
func (t *Tree) Has(rel string) bool { return t.lookup(rel) != nil }

// glob returns the wanted files matching a path.Match pattern, sorted.
func (t *Tree) glob(pattern string) []string {
	var out []string
	for p := range t.entries {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sortStrings(out)
	return out
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
