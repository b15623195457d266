package collector

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const testNonce = "0123456789abcdef0123456789abcdef"

func TestCommand(t *testing.T) {
	tests := []struct {
		nonce string
		sudo  bool
		want  string
	}{
		{"abc123", false, "exec sh -s -- 'abc123' 28 watch"},
		{"abc123", true, "exec sudo -n sh -s -- 'abc123' 28 watch"},
		{"a'b;rm -rf /", false, `exec sh -s -- 'a'\''b;rm -rf /' 28 watch`},
	}
	for _, tt := range tests {
		if got := Command(tt.nonce, tt.sudo, 28); got != tt.want {
			t.Errorf("Command(%q, %v) = %q, want %q", tt.nonce, tt.sudo, got, tt.want)
		}
	}
}

func TestBudget(t *testing.T) {
	for _, tt := range []struct {
		timeout time.Duration
		want    int
	}{
		{3 * time.Second, 1}, {10 * time.Second, 8}, {30 * time.Second, 27}, {60 * time.Second, 54}, {120 * time.Second, 108},
		{time.Second, 1}, {0, 1},
	} {
		if got := Budget(tt.timeout); got != tt.want {
			t.Errorf("Budget(%v) = %d, want %d", tt.timeout, got, tt.want)
		}
	}
	if got := Command("n", false, 0); got != "exec sh -s -- 'n' 1 watch" {
		t.Errorf("a zero budget gives %q", got)
	}
}

func TestNewNonce(t *testing.T) {
	a, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("nonce %q: want 32 lower-case hex digits", a)
	}
	if a == b {
		t.Errorf("two nonces are equal: %q", a)
	}
}

func TestScriptEmbedded(t *testing.T) {
	s := Script()
	if !bytes.HasPrefix(s, []byte("#!/bin/sh")) {
		t.Fatalf("script does not start with #!/bin/sh: %q", s[:min(len(s), 20)])
	}
	s[0] = 'X'
	if Script()[0] != '#' {
		t.Error("Script returned the embedded bytes, not a copy")
	}
}

func TestSplit(t *testing.T) {
	n := testNonce
	b := func(name, src string) string { return "@@KAUDIT:" + n + ":BEGIN " + name + " " + src + "\n" }
	e := func(name, tail string) string { return "\n@@KAUDIT:" + n + ":END " + name + " " + tail + "\n" }
	tests := []struct {
		name string
		raw  string
		want []Section
	}{
		{
			name: "two sections, junk around",
			raw: "motd junk\n" + b("hostname", "/proc/sys/kernel/hostname") + "node-1\n" + e("hostname", "rc=0 trunc=0") +
				"more junk\n" + b("cmdline", "/proc/cmdline") + "ro quiet" + e("cmdline", "rc=0 trunc=1"),
			want: []Section{
				{Name: "hostname", Source: "/proc/sys/kernel/hostname", Body: []byte("node-1\n")},
				{Name: "cmdline", Source: "/proc/cmdline", Truncated: true, Body: []byte("ro quiet")},
			},
		},
		{
			name: "empty body and failing read",
			raw: b("kmem", "x") + e("kmem", "rc=0 trunc=0") +
				b("extfrag_index", "/sys/kernel/debug/extfrag/extfrag_index") + "head: /sys/kernel/debug/extfrag/extfrag_index: Permission denied" + e("extfrag_index", "rc=1 trunc=0"),
			want: []Section{
				{Name: "kmem", Source: "x", Body: []byte{}},
				{Name: "extfrag_index", Source: "/sys/kernel/debug/extfrag/extfrag_index", Exit: 1, Body: []byte("head: /sys/kernel/debug/extfrag/extfrag_index: Permission denied")},
			},
		},
		{
			name: "forged markers with another nonce are body",
			raw:  b("os_release", "/etc/os-release") + "ID=x\n@@KAUDIT:deadbeef:END os_release rc=0 trunc=0\n@@KAUDIT:deadbeef:BEGIN kmem y\n" + e("os_release", "rc=0 trunc=0"),
			want: []Section{
				{Name: "os_release", Source: "/etc/os-release", Body: []byte("ID=x\n@@KAUDIT:deadbeef:END os_release rc=0 trunc=0\n@@KAUDIT:deadbeef:BEGIN kmem y\n")},
			},
		},
		{
			name: "END of another section or malformed END is body",
			raw:  b("meminfo", "/proc/meminfo") + "a" + e("buddyinfo", "rc=0 trunc=0") + "@@KAUDIT:" + n + ":END meminfo rc=x trunc=0\nb" + e("meminfo", "rc=0 trunc=0"),
			want: []Section{
				{Name: "meminfo", Source: "/proc/meminfo", Body: []byte("a\n@@KAUDIT:" + n + ":END buddyinfo rc=0 trunc=0\n@@KAUDIT:" + n + ":END meminfo rc=x trunc=0\nb")},
			},
		},
		{
			name: "cut output: BEGIN without END",
			raw:  b("meminfo", "/proc/meminfo") + "MemTotal: 1 kB\n" + e("meminfo", "rc=0 trunc=0") + b("kernel_log", "dmesg") + "count slub_alloc_fail 3\nlat",
			want: []Section{
				{Name: "meminfo", Source: "/proc/meminfo", Body: []byte("MemTotal: 1 kB\n")},
				{Name: "kernel_log", Source: "dmesg", Exit: -1, Truncated: true, Body: []byte("count slub_alloc_fail 3\nlat")},
			},
		},
		{
			name: "BEGIN while open closes the open section as cut",
			raw:  b("a", "1") + "x\n" + b("b", "2") + "y" + e("b", "rc=3 trunc=0"),
			want: []Section{
				{Name: "a", Source: "1", Exit: -1, Truncated: true, Body: []byte("x\n")},
				{Name: "b", Source: "2", Exit: 3, Body: []byte("y")},
			},
		},
		{
			name: "source with spaces, no source",
			raw:  b("grubby", "grubby --info=DEFAULT") + "args=\"ro\"" + e("grubby", "rc=0 trunc=0") + "@@KAUDIT:" + n + ":BEGIN collector\nv" + e("collector", "rc=0 trunc=0"),
			want: []Section{
				{Name: "grubby", Source: "grubby --info=DEFAULT", Body: []byte(`args="ro"`)},
				{Name: "collector", Source: "", Body: []byte("v")},
			},
		},
		{name: "nothing framed", raw: "Permission denied\n", want: nil},
		{name: "empty", raw: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split([]byte(tt.raw), n)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d sections %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Name != w.Name || g.Source != w.Source || g.Exit != w.Exit || g.Truncated != w.Truncated || !bytes.Equal(g.Body, w.Body) {
					t.Errorf("section %d:\n got %+v body %q\nwant %+v body %q", i, g, g.Body, w, w.Body)
				}
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add([]byte("@@KAUDIT:" + testNonce + ":BEGIN a b\nx\n@@KAUDIT:" + testNonce + ":END a rc=0 trunc=0\n"))
	f.Add([]byte("@@KAUDIT:" + testNonce + ":BEGIN a\n@@KAUDIT:" + testNonce + ":BEGIN b\n\n@@KAUDIT:" + testNonce + ":END b rc=-1 trunc=1"))
	f.Add([]byte("\n\n@@KAUDIT:" + testNonce + ":END a rc=0 trunc=0\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, s := range Split(raw, testNonce) {
			if len(s.Body) > len(raw) {
				t.Fatalf("body longer than input")
			}
		}
	})
}

func TestSplitRunMarkers(t *testing.T) {
	n := "abc"
	raw := "@@KAUDIT:abc:BEGIN cmdline /proc/cmdline\nro quiet\n@@KAUDIT:abc:END cmdline rc=0 trunc=0\n" +
		"@@KAUDIT:abc:BEGIN runc runc --version\npartial\nkaudit: timed out after 5s\n@@KAUDIT:abc:END runc rc=124 trunc=0 why=timeout\n" +
		"@@KAUDIT:abc:BEGIN kubelet kubelet --version\nkaudit: not run\n@@KAUDIT:abc:END kubelet rc=124 trunc=0 why=budget\n" +
		"@@KAUDIT:abc:BEGIN docker docker --version\nkaudit: cannot fork\n@@KAUDIT:abc:END docker rc=125 trunc=0 why=fork\n" +
		"@@KAUDIT:abc:BEGIN meminfo /proc/meminfo\nMemTotal: 1 kB\n" +
		"@@KAUDIT:abc:ABORT budget\n"
	r := SplitRun([]byte(raw), n)
	if r.Done || r.Abort != "budget" || len(r.Sections) != 5 {
		t.Fatalf("done %v abort %q sections %d", r.Done, r.Abort, len(r.Sections))
	}
	want := []struct {
		name, why string
		exit      int
		trunc     bool
	}{{"cmdline", "", 0, false}, {"runc", WhyTimeout, 124, false}, {"kubelet", WhyBudget, 124, false}, {"docker", WhyFork, 125, false}, {"meminfo", "", -1, true}}
	for i, w := range want {
		s := r.Sections[i]
		if s.Name != w.name || s.Why != w.why || s.Exit != w.exit || s.Truncated != w.trunc {
			t.Errorf("section %d: %+v, want %+v", i, s, w)
		}
	}
	if string(r.Sections[4].Body) != "MemTotal: 1 kB" {
		t.Errorf("cut body %q", r.Sections[4].Body)
	}
	done := SplitRun([]byte("@@KAUDIT:abc:BEGIN x y\nb\n@@KAUDIT:abc:END x rc=0 trunc=0\n@@KAUDIT:abc:DONE\n"), n)
	if !done.Done || done.Abort != "" || len(done.Sections) != 1 {
		t.Errorf("%+v", done)
	}
	// another nonce's DONE, and an unknown why, are not this run's
	other := SplitRun([]byte("@@KAUDIT:zzz:DONE\n@@KAUDIT:abc:BEGIN x y\nb\n@@KAUDIT:abc:END x rc=0 trunc=0 why=zap\n"), n)
	if other.Done || other.Sections[0].Why != "other" {
		t.Errorf("%+v", other)
	}
}
