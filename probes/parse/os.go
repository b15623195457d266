package parse

import (
	"fmt"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// ParseOSRelease parses /etc/os-release (KEY=value, values optionally quoted).
func ParseOSRelease(body []byte) (facts.OS, error) {
	var os facts.OS
	kv := shellAssignments(body, nil)
	if len(kv) == 0 {
		return os, fmt.Errorf("os-release: no KEY=value line")
	}
	os.ID = clean(kv["ID"], MaxValue)
	os.IDLike = clean(kv["ID_LIKE"], MaxValue)
	os.VersionID = clean(kv["VERSION_ID"], MaxValue)
	os.PrettyName = clean(kv["PRETTY_NAME"], MaxValue)
	return os, nil
}

// ParseRedhatRelease parses /etc/redhat-release: its first line.
func ParseRedhatRelease(body []byte) (string, error) {
	l := firstLine(body)
	if l == "" {
		return "", errEmpty()
	}
	return clean(l, MaxValue), nil
}

// ParseOneLine parses a one-line file (hostname, kernel release, /proc/version,
// version_signature): its first non-empty line.
func ParseOneLine(body []byte) (string, error) {
	l := firstLine(body)
	if l == "" {
		return "", errEmpty()
	}
	return clean(l, MaxRaw), nil
}

// KernelFamily returns Kernel.Family and Kernel.Upstream for a release and an
// optional Ubuntu version signature ("Ubuntu 4.4.0-21.37-generic 4.4.6"); see
// KernelFamilyFrom.
func KernelFamily(release, signature string) (family, upstream string) {
	return KernelFamilyFrom(release, signature, "")
}

// threePart returns the leading X.Y.Z of s ("4.4" → "4.4.0"), "" if none.
func threePart(s string) string {
	var parts []string
	for len(parts) < 3 {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			break
		}
		parts = append(parts, strings.TrimLeft(s[:i], "0"))
		if parts[len(parts)-1] == "" {
			parts[len(parts)-1] = "0"
		}
		s = s[i:]
		if !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	if len(parts) < 2 {
		return ""
	}
	if len(parts) == 2 {
		parts = append(parts, "0")
	}
	return strings.Join(parts, ".")
}

// isDotted reports whether s is exactly X.Y or X.Y.Z.
func isDotted(s string) bool {
	f := strings.Split(s, ".")
	if len(f) < 2 || len(f) > 3 {
		return false
	}
	for _, p := range f {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// ParseKernelConfig parses CONFIG_MEMCG* lines of /boot/config-<release>:
// name → value, "n" for "# CONFIG_X is not set".
func ParseKernelConfig(body []byte) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range lines(body) {
		l = strings.TrimSpace(l)
		if name, ok := strings.CutPrefix(l, "# "); ok {
			if n, ok := strings.CutSuffix(name, " is not set"); ok && strings.HasPrefix(n, "CONFIG_MEMCG") && !strings.ContainsAny(n, " =") {
				out[clean(n, MaxValue)] = "n"
			}
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.HasPrefix(k, "CONFIG_MEMCG") && !strings.Contains(k, " ") {
			out[clean(k, MaxValue)] = clean(strings.Trim(v, `"`), MaxValue)
		}
	}
	return out, nil
}
