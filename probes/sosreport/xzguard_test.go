package sosreport

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/probes/sosreport/sostest"
	"github.com/ulikunitz/xz"
)

func seedTar(t testing.TB) []byte {
	t.Helper()
	files, links, err := sostest.Files(fleet, sostest.Seeds()[3], sostest.Sos4)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := sostest.Tar(&b, "sosreport-x", files, links); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestXZEveryBlockBounded: the dictionary limit holds for every block of
// every stream, not just the first header.
func TestXZEveryBlockBounded(t *testing.T) {
	tb := seedTar(t)
	third := len(tb) / 3
	a, b, c := tb[:third], tb[third:2*third], tb[2*third:]
	blk := func(d []byte, code byte) sostest.XZBlock { return sostest.XZBlock{Data: d, Dict: code} }
	const small, huge = 16, 37 // 1 MiB = 2 << 19; 1.5 GiB = 3 << 29
	tests := []struct {
		name    string
		archive []byte
		want    string // "" reads
	}{
		{"valid: two streams, three blocks", sostest.HandXZ([]sostest.XZBlock{blk(a, small), blk(b, small)}, []sostest.XZBlock{blk(c, small)}), ""},
		{"second block of the first stream", sostest.HandXZ([]sostest.XZBlock{blk(a, small), blk(b, huge)}, []sostest.XZBlock{blk(c, small)}), "block 2 of stream 1 declares an LZMA2 dictionary of 1610612736 bytes (limit 67108864)"},
		{"first block of the second stream", sostest.HandXZ([]sostest.XZBlock{blk(a, small), blk(b, small)}, []sostest.XZBlock{blk(c, huge)}), "block 1 of stream 2 declares an LZMA2 dictionary of 1610612736 bytes"},
		{"4 GiB in the first block", sostest.HandXZ([]sostest.XZBlock{blk(tb, 40)}), "block 1 of stream 1 declares an LZMA2 dictionary of 4294967295 bytes"},
		{"bad dictionary code", sostest.HandXZ([]sostest.XZBlock{blk(a, small), blk(b, 41)}), "bad LZMA2 dictionary size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ReadArchive(bytes.NewReader(tc.archive), DefaultLimits())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if f := tr.Facts(); f.Host != "82.174-zh" {
					t.Errorf("host %q", f.Host)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// The limit is the caller's: 1 MiB passes a 1 MiB dictionary, refuses 2 MiB.
	lim := DefaultLimits()
	lim.XZDictMax = 1 << 20
	if _, err := ReadArchive(bytes.NewReader(sostest.HandXZ([]sostest.XZBlock{blk(a, small), blk(b, small)}, []sostest.XZBlock{blk(c, small)})), lim); err != nil {
		t.Errorf("1 MiB under a 1 MiB limit: %v", err)
	}
	if _, err := ReadArchive(bytes.NewReader(sostest.HandXZ([]sostest.XZBlock{blk(a, small), blk(b, small+1)}, []sostest.XZBlock{blk(c, small)})), lim); err == nil || !strings.Contains(err.Error(), "of 1572864 bytes (limit 1048576)") {
		t.Errorf("1.5 MiB under a 1 MiB limit: %v", err)
	}
}

// TestXZGuardReadsRealEncoders: what real encoders write passes the guard:
// ulikunitz/xz with small blocks, and the xz program (which sos runs) with
// CRC64 checks and multithreaded blocks, and concatenated streams with
// stream padding (as `cat a.xz b.xz` or pixz write), one of them -9e's
// 64 MiB dictionary, the default limit.
func TestXZGuardReadsRealEncoders(t *testing.T) {
	tb := seedTar(t)
	read := func(t *testing.T, b []byte) {
		t.Helper()
		tr, err := ReadArchive(bytes.NewReader(b), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if f := tr.Facts(); f.Host != "82.174-zh" {
			t.Errorf("host %q", f.Host)
		}
	}
	t.Run("ulikunitz/xz, 4 KiB blocks, SHA-256", func(t *testing.T) {
		var b bytes.Buffer
		w, err := xz.WriterConfig{BlockSize: 4 << 10, CheckSum: xz.SHA256}.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(tb)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		read(t, b.Bytes())
	})
	xzc := func(t *testing.T, in []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(testenv.Program(t, "xz-utils", "xz"), append(args, "-c")...)
		cmd.Stdin = bytes.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("xz %v: %v", args, err)
		}
		return out
	}
	t.Run("xz -T2 --block-size=8KiB", func(t *testing.T) {
		read(t, xzc(t, tb, "-6", "-T2", "--block-size=8KiB"))
	})
	t.Run("two xz streams and stream padding", func(t *testing.T) {
		half := len(tb) / 2
		b := xzc(t, tb[:half], "-0", "--check=crc32")
		b = append(b, 0, 0, 0, 0)
		read(t, append(b, xzc(t, tb[half:], "-9e", "--check=none")...))
	})
}
