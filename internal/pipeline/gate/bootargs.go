package gate

import (
	"slices"
	"strings"
)

// editArgs applies a change's boot arguments to a kernel argument string the
// way grubby --args / --remove-args does: an added KEY=VALUE replaces every
// KEY (with any value), an added flag is appended once; a removed KEY drops
// every KEY and KEY=..., a removed KEY=VALUE drops only that word. Words keep
// their order; added ones go at the end.
func editArgs(args string, add, remove []string) string {
	words := strings.Fields(args)
	out := words[:0:0]
	for _, w := range words {
		if dropped(w, add, remove) {
			continue
		}
		out = append(out, w)
	}
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return strings.Join(out, " ")
}

// dropped reports whether word w goes: removed, or replaced by an added
// KEY=VALUE.
func dropped(w string, add, remove []string) bool {
	key, _, _ := strings.Cut(w, "=")
	for _, r := range remove {
		rk, _, hasVal := strings.Cut(r, "=")
		if hasVal && w == r || !hasVal && key == rk {
			return true
		}
	}
	for _, a := range add {
		ak, _, hasVal := strings.Cut(a, "=")
		if hasVal && key == ak && w != a {
			return true
		}
	}
	return false
}

// setFlag makes args carry (on) or lack (off) the word flag, for
// reconciling the running command line with the next boot's entry.
func setFlag(args, flag string, on bool) string {
	if on {
		return editArgs(args, []string{flag}, nil)
	}
	return editArgs(args, nil, []string{flag})
}

// replaceRelease swaps the old kernel release for the new one in a string
// that names it (BOOT_IMAGE=/vmlinuz-<release>, a menu entry title, a BLS
// file name).
func replaceRelease(s, old, new string) string {
	if old == "" || old == new {
		return s
	}
	return strings.ReplaceAll(s, old, new)
}
