package version

import (
	"errors"
	"fmt"
	"strings"
)

// rpmArches are the architecture suffixes cut from an RPM kernel release
// ("3.10.0-1127.19.1.el7.x86_64" → "3.10.0-1127.19.1.el7"). Anything after the
// arch (".debug", "+debug" variants) goes with it.
var rpmArches = [...]string{"x86_64", "aarch64", "ppc64le", "ppc64", "s390x", "i686", "i586", "i386", "armv7hl", "noarch"}

// parseRPM parses [epoch:]version[-release][.arch].
func parseRPM(s string) (Version, error) {
	var v Version
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e := s[:i]
		if e == "" || strings.Trim(e, "0123456789") != "" {
			return Version{}, errors.New("epoch is not a number")
		}
		v.epoch = trimZeros(e)
		s = s[i+1:]
	}
	for _, a := range rpmArches {
		if i := strings.Index(s, "."+a); i > 0 {
			if end := i + 1 + len(a); end == len(s) || s[end] == '.' || s[end] == '+' {
				s = s[:i]
				break
			}
		}
	}
	if s == "" || !isDigit(s[0]) {
		return Version{}, errors.New("does not start with a digit")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune("._+~^-", rune(c)) {
			return Version{}, fmt.Errorf("unexpected %q", c)
		}
	}
	v.ver, v.rel, _ = strings.Cut(s, "-")
	if strings.Contains(v.rel, "-") {
		return Version{}, errors.New("more than one '-' (want version-release)")
	}
	return v, nil
}

// rpmvercmp is rpm's segment comparison (rpmio/rpmvercmp.c): alphanumeric
// segments compared numerically or lexically, numeric newer than alpha, '~'
// sorts before everything, '^' after the base version.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	alnum := func(c byte) bool { return isDigit(c) || isAlpha(c) }
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !alnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !alnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := byteAt(a, i), byteAt(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if ca == '^' || cb == '^' {
			if ca == 0 {
				return -1
			}
			if cb == 0 {
				return 1
			}
			if ca != '^' {
				return 1
			}
			if cb != '^' {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if ca == 0 || cb == 0 {
			break
		}
		si, sj := i, j
		isnum := isDigit(ca)
		class := isAlpha
		if isnum {
			class = isDigit
		}
		for i < len(a) && class(a[i]) {
			i++
		}
		for j < len(b) && class(b[j]) {
			j++
		}
		if sj == j { // b's segment is of the other type
			if isnum {
				return 1
			}
			return -1
		}
		sa, sb := a[si:i], b[sj:j]
		var c int
		if isnum {
			c = cmpDigits(trimZeros(sa), trimZeros(sb))
		} else {
			c = sign(strings.Compare(sa, sb))
		}
		if c != 0 {
			return c
		}
	}
	ra, rb := i < len(a), j < len(b)
	switch {
	case !ra && !rb:
		return 0
	case !ra:
		return -1
	}
	return 1
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// releaseThenSuffix reads "[v]X.Y[.Z]" and returns the suffix after it with
// any "+build" metadata cut off.
func releaseThenSuffix(s string) (Version, string, error) {
	nums, rest, _ := leadingNums(trimV(s), 3)
	if len(nums) < 2 {
		return Version{}, "", errNoRelease
	}
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		rest = rest[:i]
	}
	return Version{nums: nums}, rest, nil
}

// parseRunc parses runc's versions: "1.0.0-rc10", "1.0.0-rc5+dev",
// "1.1.5+ds1" (Debian build), "1.0.0~rc93+ds1-5" (Debian pre-release),
// "1.1.12-0ubuntu2~22.04.1" (Ubuntu revision, ignored).
func parseRunc(s string) (Version, error) {
	v, rest, err := releaseThenSuffix(s)
	if err != nil || rest == "" {
		return v, err
	}
	if rest[0] != '-' && rest[0] != '~' && rest[0] != '.' {
		return Version{}, fmt.Errorf("unexpected %q after the release", rest[0])
	}
	body := rest[1:]
	if body == "" {
		return Version{}, errors.New("empty suffix")
	}
	if isDigit(body[0]) { // a packaging revision ("-0ubuntu1", ".1"), not a pre-release
		return v, nil
	}
	// The pre-release ends where a packaging revision starts ("rc93-5").
	for i := 0; i+1 < len(body); i++ {
		if (body[i] == '-' || body[i] == '~') && isDigit(body[i+1]) {
			body = body[:i]
			break
		}
	}
	v.pre = splitAlnum(body)
	if len(v.pre) == 0 {
		return Version{}, fmt.Errorf("unparseable pre-release %q", body)
	}
	return v, nil
}

// parseSemver parses strict SemVer 2.0.0 with an optional leading "v".
func parseSemver(s string) (Version, error) {
	s = trimV(s)
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if err := checkIdents(s[i+1:], false); err != nil {
			return Version{}, fmt.Errorf("build metadata: %w", err)
		}
		s = s[:i]
	}
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return Version{}, errors.New("want MAJOR.MINOR.PATCH")
	}
	v := Version{}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return Version{}, fmt.Errorf("component %q is not a number", p)
		}
		if len(p) > 1 && p[0] == '0' {
			return Version{}, fmt.Errorf("component %q has a leading zero", p)
		}
		v.nums = append(v.nums, trimZeros(p))
	}
	if hasPre {
		if err := checkIdents(pre, true); err != nil {
			return Version{}, fmt.Errorf("pre-release: %w", err)
		}
		for _, id := range strings.Split(pre, ".") {
			if strings.Trim(id, "0123456789") == "" {
				v.pre = append(v.pre, ident{num: true, s: trimZeros(id)})
			} else {
				v.pre = append(v.pre, ident{s: id})
			}
		}
	}
	return v, nil
}

// checkIdents validates dot-separated SemVer identifiers.
func checkIdents(s string, numericNoLeadingZero bool) error {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return errors.New("empty identifier")
		}
		for i := 0; i < len(id); i++ {
			if c := id[i]; !isDigit(c) && !isAlpha(c) && c != '-' {
				return fmt.Errorf("identifier %q: unexpected %q", id, c)
			}
		}
		if numericNoLeadingZero && len(id) > 1 && id[0] == '0' && strings.Trim(id, "0123456789") == "" {
			return fmt.Errorf("numeric identifier %q has a leading zero", id)
		}
	}
	return nil
}

// dockerPre are the words that make a docker suffix a pre-release.
var dockerPre = [...]string{"rc", "beta", "alpha", "tp", "dev"}

// parseDocker parses docker engine versions: "18.06.1-ce", "18.09.1",
// "17.03.0-ce-rc1", "23.0.0-rc.1", "1.13.1" (RHEL), "20.10.25+azure-2";
// editions (ce, ee) and packaging or vendor suffixes are ignored.
func parseDocker(s string) (Version, error) {
	v, rest, err := releaseThenSuffix(s)
	if err != nil || rest == "" {
		return v, err
	}
	switch rest[0] {
	case '.', '~': // "1.13.1.1", "20.10.21~ubuntu": packaging
		return v, nil
	case '-':
	default:
		return Version{}, fmt.Errorf("unexpected %q after the release", rest[0])
	}
	for _, part := range strings.Split(rest[1:], "-") {
		lower := strings.ToLower(part)
		switch {
		case part == "":
			return Version{}, errors.New("empty suffix")
		case lower == "ce" || lower == "ee":
			continue
		case isDigit(part[0]): // RPM/Debian release: "-208.git7d71120.el7_9"
			return v, nil
		case hasAnyPrefix(lower, dockerPre[:]):
			v.pre = append(v.pre, splitAlnum(lower)...)
		default: // vendor suffix ("cs9"): not a pre-release, stop
			return v, nil
		}
	}
	return v, nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// kubePre are the Kubernetes pre-release words.
var kubePre = [...]string{"alpha", "beta", "rc"}

// parseKubelet parses Kubernetes versions: "v1.15.5", "1.22.0", "1.22",
// "v1.22.0-rc.0"; vendor suffixes ("-eks-bc4871b", "-gke.1000", "+k3s1") are
// builds of the same release and ignored.
func parseKubelet(s string) (Version, error) {
	v, rest, err := releaseThenSuffix(s)
	if err != nil || rest == "" {
		return v, err
	}
	if rest[0] != '-' || len(rest) == 1 {
		return Version{}, fmt.Errorf("unexpected suffix %q", rest)
	}
	body := strings.ToLower(rest[1:])
	if hasAnyPrefix(body, kubePre[:]) {
		if i := strings.IndexByte(body, '-'); i >= 0 {
			body = body[:i]
		}
		v.pre = splitAlnum(body)
	}
	return v, nil
}

// parseKernel parses upstream kernel versions X.Y[.Z[.W]] with an optional
// "-rcN"; distro suffixes ("-21-generic", "-862.el7") are ignored.
func parseKernel(s string) (Version, error) {
	nums, rest, _ := leadingNums(s, 4)
	if len(nums) < 2 {
		return Version{}, errNoRelease
	}
	v := Version{nums: nums}
	if rest == "" {
		return v, nil
	}
	if !strings.ContainsRune("-+._~", rune(rest[0])) {
		return Version{}, fmt.Errorf("unexpected %q after the release", rest[0])
	}
	if r, ok := strings.CutPrefix(rest, "-rc"); ok && r != "" && isDigit(r[0]) {
		n, _, _ := leadingNums(r, 1)
		v.pre = []ident{{s: "rc"}, {num: true, s: n[0]}}
	}
	return v, nil
}
