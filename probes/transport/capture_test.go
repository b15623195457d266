package transport

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestReadCapped(t *testing.T) {
	tests := []struct {
		in        string
		max       int64
		want      string
		truncated bool
	}{
		{"", 4, "", false},
		{"abcd", 4, "abcd", false},
		{"abcde", 4, "abcd", true},
		{"abc", 4, "abc", false},
	}
	for _, tt := range tests {
		got, truncated, err := readCapped(strings.NewReader(tt.in), tt.max)
		if err != nil || string(got) != tt.want || truncated != tt.truncated {
			t.Errorf("readCapped(%q, %d) = %q, %v, %v", tt.in, tt.max, got, truncated, err)
		}
	}
}

func TestSudoLine(t *testing.T) {
	tests := []struct{ stderr, want string }{
		{"sudo: a password is required\n", "sudo: a password is required"},
		{"warning\nsudo: a terminal is required to read the password; either use the -S option\n", "sudo: a terminal is required to read the password; either use the -S option"},
		{"[sudo] password for kaudit: ", "[sudo] password for kaudit:"},
		{"kaudit is not in the sudoers file.  This incident will be reported.\n", "kaudit is not in the sudoers file.  This incident will be reported."},
		{"Sorry, user kaudit is not allowed to execute '/bin/sh -s' as root on node1.\n", "Sorry, user kaudit is not allowed to execute '/bin/sh -s' as root on node1."},
		{"sudo: unable to resolve host node1: Name or service not known\n", ""},
		{"cat: /proc/kcore: Permission denied\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := sudoLine([]byte(tt.stderr)); got != tt.want {
			t.Errorf("sudoLine(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}

func TestStderrBufferFlagsPromptSplitAcrossWrites(t *testing.T) {
	fired := 0
	b := &stderrBuffer{max: 1 << 10, onSudo: func() { fired++ }}
	b.Write([]byte("noise\n[sudo] pass"))
	b.Write([]byte("word for kaudit: "))
	b.Write([]byte("sudo: a password is required\n"))
	if fired != 1 {
		t.Fatalf("onSudo fired %d times, want 1", fired)
	}
	b.Write(bytes.Repeat([]byte("x"), 2<<10))
	if len(b.Bytes()) != 1<<10 {
		t.Fatalf("kept %d bytes, want the cap", len(b.Bytes()))
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 100, "plain"},
		{"line1\nline2\n", 100, "line1 | line2"},
		{"\x1b[31mred\x1b[0m", 100, "?[31mred?[0m"},
		{"bad \xff\xfe utf8", 100, "bad ?? utf8"},
		{"café", 100, "café"},
		{"0123456789", 4, "0123 …"},
	}
	for _, tt := range tests {
		if got := Excerpt([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// FuzzExcerpt: remote stderr, whatever its bytes, becomes a bounded,
// printable, valid UTF-8 string, and sudoLine never panics on it.
func FuzzExcerpt(f *testing.F) {
	for _, s := range []string{
		"sudo: a password is required\n",
		"[sudo] password for kaudit: ",
		"\x1b[31merror\x1b[0m\r\n\xff",
		"cat: /sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo: Input/output error\n",
		"sudo: sorry, you must have a tty to run sudo\n",
	} {
		f.Add([]byte(s), 64)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got := Excerpt(in, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		for _, r := range got {
			if !unicode.IsPrint(r) {
				t.Fatalf("unprintable %q in %q", r, got)
			}
		}
		if len(got) > 3*max+8 {
			t.Fatalf("excerpt of %d bytes from max %d", len(got), max)
		}
		_ = sudoLine(in)
	})
}
