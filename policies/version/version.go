// Package version parses and orders the version strings kaudit judges: RPM
// kernel releases, runc, docker, kubelet, upstream kernel and strict semver.
//
// Each kind has its own grammar because plain string or semver comparison gets
// the real-world strings wrong: "1.0.0-rc10" is newer than "1.0.0-rc9",
// "1.1.5+ds1" is a Debian build of 1.1.5, "18.06.1-ce" carries an edition and
// "3.10.0-1127.19.1.el7.x86_64" is an RPM version-release with an arch suffix.
// The package is pure Go with no dependencies so the policy engine (as the Rego
// builtin kaudit.version_compare) and the collector side can share it.
package version

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of version strings.
const (
	KindRPM     = "rpm"     // RPM [epoch:]version-release[.arch], rpmvercmp order
	KindRunc    = "runc"    // runc: X.Y.Z[-rcN|~rcN][+build], Debian/Ubuntu revisions ignored
	KindSemver  = "semver"  // strict SemVer 2.0.0, optional leading "v"
	KindDocker  = "docker"  // docker: X.Y[.Z][-ce|-ee][-rcN|-betaN|-tp], packaging suffixes ignored
	KindKubelet = "kubelet" // Kubernetes: [v]X.Y[.Z][-alpha.N|-beta.N|-rc.N], vendor suffixes ignored
	KindKernel  = "kernel"  // upstream kernel X.Y[.Z[.W]][-rcN], distro suffixes ignored
)

// Kinds returns the supported kinds.
func Kinds() []string {
	return []string{KindRPM, KindRunc, KindSemver, KindDocker, KindKubelet, KindKernel}
}

// ErrUnknownKind is returned for a kind not in Kinds.
var ErrUnknownKind = errors.New("unknown version kind")

// maxLen bounds the input; version strings from hosts are untrusted.
const maxLen = 256

// Version is a parsed version string of one kind. The zero value is invalid.
type Version struct {
	kind string
	raw  string

	// rpm
	epoch    string // digits without leading zeros ("" = 0)
	ver, rel string

	// every other kind: numeric release components (digit strings without
	// leading zeros) and pre-release identifiers; nil pre = a release.
	nums []string
	pre  []ident
}

// ident is one pre-release identifier.
type ident struct {
	num bool
	s   string // digits without leading zeros when num
}

// Kind returns the kind the version was parsed as.
func (v Version) Kind() string { return v.kind }

// String returns the input the version was parsed from.
func (v Version) String() string { return v.raw }

// Release returns the numeric release components ("3", "10", "0"); nil for rpm.
func (v Version) Release() []string {
	out := make([]string, len(v.nums))
	for i, n := range v.nums {
		if n == "" {
			n = "0"
		}
		out[i] = n
	}
	return out
}

// Prerelease reports whether the version is a pre-release (rc, beta, ...).
func (v Version) Prerelease() bool { return len(v.pre) > 0 }

// Parse parses s as a version of the given kind.
func Parse(kind, s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("parse %s version: longer than %d bytes", kind, maxLen)
	}
	if s == "" {
		return Version{}, fmt.Errorf("parse %s version: empty", kind)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return Version{}, fmt.Errorf("parse %s version %q: control, space or non-ASCII byte", kind, s)
		}
	}
	var (
		v   Version
		err error
	)
	switch kind {
	case KindRPM:
		v, err = parseRPM(s)
	case KindRunc:
		v, err = parseRunc(s)
	case KindSemver:
		v, err = parseSemver(s)
	case KindDocker:
		v, err = parseDocker(s)
	case KindKubelet:
		v, err = parseKubelet(s)
	case KindKernel:
		v, err = parseKernel(s)
	default:
		return Version{}, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	if err != nil {
		return Version{}, fmt.Errorf("parse %s version %q: %w", kind, s, err)
	}
	v.kind, v.raw = kind, s
	return v, nil
}

// Compare parses a and b as versions of kind and returns -1, 0 or +1 as a is
// older than, equal to or newer than b.
func Compare(kind, a, b string) (int, error) {
	va, err := Parse(kind, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(kind, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// Valid reports whether s parses as a version of kind.
func Valid(kind, s string) bool {
	_, err := Parse(kind, s)
	return err == nil
}

// Compare orders v against w: -1, 0 or +1. Versions of different kinds are
// ordered by kind name so the order stays total.
func (v Version) Compare(w Version) int {
	if v.kind != w.kind {
		return sign(strings.Compare(v.kind, w.kind))
	}
	if v.kind == KindRPM {
		if c := cmpDigits(v.epoch, w.epoch); c != 0 {
			return c
		}
		if c := rpmvercmp(v.ver, w.ver); c != 0 {
			return c
		}
		return rpmvercmp(v.rel, w.rel)
	}
	n := max(len(v.nums), len(w.nums))
	for i := range n {
		if c := cmpDigits(at(v.nums, i), at(w.nums, i)); c != 0 {
			return c
		}
	}
	return cmpPre(v.pre, w.pre)
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// cmpDigits compares digit strings without leading zeros ("" = 0).
func cmpDigits(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return sign(strings.Compare(a, b))
}

// cmpPre orders pre-release identifier lists the SemVer way: a release (nil)
// is newer than any pre-release; numeric identifiers are older than
// alphanumeric ones; a longer list wins when one is a prefix of the other.
func cmpPre(a, b []ident) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return 1
	case len(b) == 0:
		return -1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.num && y.num:
			if c := cmpDigits(x.s, y.s); c != 0 {
				return c
			}
		case x.num:
			return -1
		case y.num:
			return 1
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return sign(c)
			}
		}
	}
	return sign(len(a) - len(b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// trimZeros drops leading zeros of a digit string ("007" → "7", "0" → "").
func trimZeros(d string) string { return strings.TrimLeft(d, "0") }

// leadingNums reads up to max dot-separated numeric components from the start
// of s. It returns the components (zeros trimmed), the rest of s and whether
// every component was written without a leading zero.
func leadingNums(s string, limit int) (nums []string, rest string, canonical bool) {
	canonical = true
	for len(nums) < limit {
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == 0 {
			break
		}
		if i > 1 && s[0] == '0' {
			canonical = false
		}
		nums = append(nums, trimZeros(s[:i]))
		s = s[i:]
		if len(nums) < limit && len(s) > 1 && s[0] == '.' && isDigit(s[1]) {
			s = s[1:]
			continue
		}
		break
	}
	return nums, s, canonical
}

// splitAlnum splits a token into alternating alpha and numeric identifiers:
// "rc93" → [rc 93], "beta2" → [beta 2]. Other bytes separate identifiers.
func splitAlnum(tok string) []ident {
	var out []ident
	for i := 0; i < len(tok); {
		j := i
		switch {
		case isDigit(tok[i]):
			for j < len(tok) && isDigit(tok[j]) {
				j++
			}
			out = append(out, ident{num: true, s: trimZeros(tok[i:j])})
		case isAlpha(tok[i]):
			for j < len(tok) && isAlpha(tok[j]) {
				j++
			}
			out = append(out, ident{s: strings.ToLower(tok[i:j])})
		default:
			j++
		}
		i = j
	}
	return out
}

func trimV(s string) string {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		return s[1:]
	}
	return s
}

var errNoRelease = errors.New("no numeric release (want X.Y[.Z])")
