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
