// Package doctest holds the test that parses every HCL snippet of the
// repository's documentation (README.md, docs/*.md) with the real decoders,
// so the docs and the schemas cannot drift. See docs/testing.md.
package doctest
