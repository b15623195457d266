package sosreport

import (
	"bytes"
	"os"
	"testing"

	"github.com/kaudit/kaudit/probes/sosreport/sostest"
)

// BenchmarkReadArchive: one report read and turned into facts — the fuzz
// seed (tiny, fuzz limits) and a seed fixture's whole .tar.xz.
func BenchmarkReadArchive(b *testing.B) {
	files, links, err := sostest.Files(fleet, sostest.Seeds()[3], sostest.Sos4)
	if err != nil {
		b.Fatal(err)
	}
	p, err := sostest.WriteArchive(b.TempDir(), "sosreport-x", "xz", files, links)
	if err != nil {
		b.Fatal(err)
	}
	fixture, _ := os.ReadFile(p)
	for _, c := range []struct {
		name string
		data []byte
		lim  Limits
	}{{"fuzz-seed-gz", fuzzSeeds(b)["gz"], fuzzLimits}, {"seed003-xz", fixture, DefaultLimits()}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				tr, err := ReadArchive(bytes.NewReader(c.data), c.lim)
				if err != nil {
					b.Fatal(err)
				}
				tr.Facts()
			}
		})
	}
}
