package testfleet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Checksum hashes every host tree of the fleet: paths, types, permission
// bits, ownership, file contents, symlink targets and device numbers (never
// times, never the /.kproc mounts). Equal before and after an audit proves
// the audit changed nothing on the hosts. Hard-linked clone files are read
// once.
func (f *Fleet) Checksum() (string, error) {
	h := sha256.New()
	seen := map[[2]uint64]string{}
	for _, host := range f.Hosts {
		if host.Root == "" {
			continue
		}
		fmt.Fprintf(h, "host %s\x00", host.Name)
		if err := hashTree(h, host.Root, seen); err != nil {
			return "", fmt.Errorf("checksum %s: %w", host.Name, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashTree(h hash.Hash, root string, seen map[[2]uint64]string) error {
	return walkRel(root, func(p, rel string, d fs.DirEntry) error {
		if "/"+rel == kprocDir && d.IsDir() {
			fmt.Fprintf(h, "%s\x00mountpoint\x00", rel)
			return fs.SkipDir
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d:%d\x00", rel, st.Mode, st.Uid, st.Gid)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "->%s\x00", target)
		case unix.S_IFCHR, unix.S_IFBLK:
			fmt.Fprintf(h, "dev %d\x00", st.Rdev)
		case unix.S_IFREG:
			key := [2]uint64{st.Dev, st.Ino}
			sum, ok := seen[key]
			if !ok {
				var err error
				if sum, err = fileSum(p); err != nil {
					return err
				}
				seen[key] = sum
			}
			fmt.Fprintf(h, "%d %s\x00", st.Size, sum)
		}
		return nil
	})
}

func fileSum(p string) (string, error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
