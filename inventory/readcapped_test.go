package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFileCapped(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.hcl")
	big := filepath.Join(dir, "big.hcl")
	fifo := filepath.Join(dir, "fifo.hcl")
	if err := os.WriteFile(small, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, []byte("123456"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, want, err string
	}{
		{small, "12345", ""},
		{big, "", "larger than 5 bytes"},
		{fifo, "", "not a regular file"},
		{dir, "", "not a regular file"},
		{filepath.Join(dir, "none"), "", "no such file"},
	} {
		got, err := ReadFileCapped(tt.path, 5)
		if tt.err == "" && (err != nil || string(got) != tt.want) {
			t.Errorf("%s: %q, %v", filepath.Base(tt.path), got, err)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: error %v, want %q", filepath.Base(tt.path), err, tt.err)
		}
	}
}
