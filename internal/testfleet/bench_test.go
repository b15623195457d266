package testfleet

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkCloneTree measures what one benchmark clone of a built host costs
// (directories and hard links; no file data is copied).
func BenchmarkCloneTree(b *testing.B) {
	all, err := LoadFixtures(fleetDir)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	bl := testBuilder(all)
	src := filepath.Join(dir, "src")
	if err := bl.buildHost(all["seed003-centos78"], src); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := cloneTree(src, filepath.Join(dir, fmt.Sprintf("c%06d", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildHost measures building one fixture tree from testdata.
func BenchmarkBuildHost(b *testing.B) {
	all, err := LoadFixtures(fleetDir)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	bl := testBuilder(all)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bl.buildHost(all["seed003-centos78"], filepath.Join(dir, fmt.Sprintf("h%06d", i))); err != nil {
			b.Fatal(err)
		}
	}
}
