package facts

import "strings"

// The fact vocabulary: the values some fields take (BootConfig.Kind,
// Binary.Flavor) and the rules that derive one fact from others
// (Kernel.Family and Kernel.Upstream from the release; BootConfig.Nokmem and
// MemcgDisabled from the arguments). probes/parse fills facts with them and
// the gate projects facts with them; docs/facts.md documents each field.

// Kinds of BootConfig.
const (
	KindDefaultGrub = "default_grub"
	KindGrubCfg     = "grub_cfg"
	KindBLS         = "bls"
	KindGrubenv     = "grubenv"
	KindGrubby      = "grubby"
)

// Binary.Flavor values: runc flavours.
const (
	FlavorUpstream      = "upstream"
	FlavorProjectAtomic = "projectatomic"
	FlavorDebian        = "debian"
)

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

// KernelArgs splits a kernel command line as the kernel does: blanks separate
// words, double quotes group (and are removed), "--" ends the kernel's part.
func KernelArgs(s string) []string {
	var out []string
	var b strings.Builder
	inQ, have := false, false
	flush := func() bool {
		if !have {
			return true
		}
		w := b.String()
		b.Reset()
		have = false
		if w == "--" {
			return false
		}
		out = append(out, w)
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQ = !inQ
			have = true
		case !inQ && (c == ' ' || c == '\t' || c == '\n'):
			if !flush() {
				return out
			}
		default:
			b.WriteByte(c)
			have = true
		}
	}
	flush()
	return out
}

// KernelParams returns the parameters of a kernel command line (or of boot
// arguments): name -> value, "" for flags, the last value winning, quotes
// removed, words after " -- " skipped (they belong to init; KernelArgs).
// probes/parse fills Boot.Params with it and the gate projects them.
func KernelParams(args string) map[string]string {
	params := map[string]string{}
	for _, w := range KernelArgs(args) {
		k, v, _ := strings.Cut(w, "=")
		params[k] = v
	}
	return params
}

// ArgsFlags reports whether a kernel argument string turns on
// cgroup.memory=nokmem and cgroup_disable=memory. Every occurrence counts
// (the kernel runs the handler for each), and values are comma lists.
func ArgsFlags(args string) (nokmem, memcgDisabled bool) {
	for _, w := range KernelArgs(args) {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			continue
		}
		for _, item := range strings.Split(v, ",") {
			switch {
			case k == "cgroup.memory" && item == "nokmem":
				nokmem = true
			case k == "cgroup_disable" && item == "memory":
				memcgDisabled = true
			}
		}
	}
	return nokmem, memcgDisabled
}
