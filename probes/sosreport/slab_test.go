package sosreport

import (
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
)

// sos 3.5-4.7: kernel.py's `ls -lt /sys/kernel/slab` (RHEL 7: SELinux "."
// after the mode; SLUB aliases are symlinks to the ":t-…" caches).
const slabLt = `total 0
drwxr-xr-x. 2 root root 0 Jun  1 02:11 nf_conntrack_ffff8800b0a4c000
lrwxrwxrwx. 1 root root 0 Jun  1 02:10 kmalloc-64 -> :t-0000064
drwxr-xr-x. 2 root root 0 Jun  1 02:10 :t-0000064
drwxr-xr-x. 2 root root 0 Jun  1 02:10 dentry
`

// sos 4.8+: add_dir_listing's `ls -alZ /sys/kernel/slab`, with "." and "..".
const slabAlZ = `total 0
drwxr-xr-x.   3 root root system_u:object_r:sysfs_t:s0 0 Jun  1 02:10 .
drwxr-xr-x.  14 root root system_u:object_r:sysfs_t:s0 0 Jun  1 02:10 ..
drwxr-xr-x.   2 root root system_u:object_r:sysfs_t:s0 0 Jun  1 02:10 :0000016
lrwxrwxrwx.   1 root root system_u:object_r:sysfs_t:s0 0 Jun  1 02:10 dentry -> :a-0000192
drwxr-xr-x.   2 root root system_u:object_r:sysfs_t:s0 0 Jun  1 02:10 :a-0000192
`

func TestSlabListing(t *testing.T) {
	for _, tc := range []struct {
		name, rel, body string
		cut             bool
		want            int // -1: no count
		wantErr         string
	}{
		{"sos 3.5-4.7 ls -lt", "sos_commands/kernel/ls_-lt_.sys.kernel.slab", slabLt, false, 4, ""},
		{"sos 4.8+ ls -alZ", "sos_commands/kernel/ls_-alZ_.sys.kernel.slab", slabAlZ, false, 3, ""},
		{"empty directory", "sos_commands/kernel/ls_-lt_.sys.kernel.slab", "total 0\n", false, 0, ""},
		{"ls failed", "sos_commands/kernel/ls_-lt_.sys.kernel.slab", "ls: cannot access /sys/kernel/slab: No such file or directory\n", false, -1, "no ls -l entry"},
		{"cut listing", "sos_commands/kernel/ls_-lt_.sys.kernel.slab", slabLt, true, -1, "cut at the reader's file limit"},
		{"no listing", "sos_commands/kernel/other", slabLt, false, -1, NotInReport},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Tree{Name: "sosreport-x", entries: map[string]*entry{
				tc.rel:         {data: []byte(tc.body), truncated: tc.cut},
				"proc/cgroups": {data: []byte("#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t5\t120\t1\n")},
			}}
			f := tr.Facts()
			got := -1
			if f.Kmem.SlabEntries != nil {
				got = *f.Kmem.SlabEntries
			}
			if got != tc.want {
				t.Fatalf("slab_entries = %d, want %d", got, tc.want)
			}
			s := f.Sources[facts.SectionSlab]
			if s == nil {
				t.Fatal("no sources.sys_kernel_slab")
			}
			if tc.want >= 0 {
				if s.Error != "" || s.Source != "sosreport:"+tc.rel+" (entries listed)" {
					t.Errorf("source %+v", s)
				}
				return
			}
			if s.Error == "" || !strings.Contains(s.Message, tc.wantErr) {
				t.Errorf("source %+v, want an error saying %q", s, tc.wantErr)
			}
		})
	}
}

func TestCountListingIgnoresNonEntries(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int
		ok bool
	}{
		{"", 0, false},
		{"total 12\n", 0, true},
		{"drwxr-xr-x 2 root root 0 Jun  1 02:10 a b\n", 1, true}, // a name with a space counts once
		{"xrwxr-xr-x 2 root root 0 Jun  1 02:10 a\n", 0, false},  // not a mode
		{"drwxr-xr-x\n", 0, false},                               // too few fields
		{"-r--r--r--+ 1 root root 4096 Jun  1 02:10 aliases\n", 1, true},
	} {
		n, ok := countListing(tc.in)
		if n != tc.n || ok != tc.ok {
			t.Errorf("countListing(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}
