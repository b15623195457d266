package parse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// ParseCmdline parses /proc/cmdline into the line, its parameters (last value
// wins, "" for flags, quotes removed; words after " -- " belong to init and are
// skipped) and the nokmem / cgroup_disable=memory flags.
func ParseCmdline(body []byte) (cmdline string, params map[string]string, nokmem, memcgDisabled bool, err error) {
	cmdline = strings.TrimSpace(strings.ReplaceAll(string(body), "\x00", " "))
	if cmdline == "" {
		return "", nil, false, false, errEmpty()
	}
	params = map[string]string{}
	for k, v := range facts.KernelParams(cmdline) {
		params[clean(k, MaxValue)] = clean(v, MaxRaw)
	}
	nokmem, memcgDisabled = facts.ArgsFlags(cmdline)
	return clean(cmdline, MaxCmdline), params, nokmem, memcgDisabled, nil
}

func bootConfig(kind, source, entry string, def bool, args string) facts.BootConfig {
	args = strings.TrimSpace(args)
	nk, md := facts.ArgsFlags(args)
	return facts.BootConfig{
		Kind: kind, Source: clean(source, MaxValue), Entry: clean(entry, MaxValue), Default: def,
		Args: clean(args, MaxCmdline), Nokmem: nk, MemcgDisabled: md,
	}
}

// ParseDefaultGrub parses /etc/default/grub (and /etc/default/grub.d/*.cfg
// when env carries the earlier files' values): GRUB_CMDLINE_LINUX and
// GRUB_CMDLINE_LINUX_DEFAULT joined. ok is false when neither is set.
func ParseDefaultGrub(body []byte, env map[string]string) (args string, ok bool) {
	env = shellAssignments(body, env)
	l, ok1 := env["GRUB_CMDLINE_LINUX"]
	d, ok2 := env["GRUB_CMDLINE_LINUX_DEFAULT"]
	return strings.TrimSpace(l + " " + d), ok1 || ok2
}

// GrubEntry is one menuentry of a grub.cfg.
type GrubEntry struct {
	Title  string
	ID     string // $menuentry_id_option / --id value
	Path   string // index path: "0", "2>1" for the second entry of submenu 2
	Kernel string
	Args   string
}

// GrubCfg is a parsed grub.cfg.
type GrubCfg struct {
	Entries []GrubEntry
	// Default is the value of the last `set default=` that is not the
	// one-time next_entry ("0", "${saved_entry}", a title or id); "" when none.
	Default string
}

// ParseGrubCfg parses the menu entries of a grub.cfg and its default.
func ParseGrubCfg(body []byte) (GrubCfg, error) {
	var (
		cfg   GrubCfg
		stack []string // "menuentry:<path>" / "submenu:<path>" / "block"
		top   int      // index of the next top-level entry
		sub   []int    // next index inside each open submenu
		cur   *GrubEntry
		sawMe bool
	)
	path := func() string {
		var p []string
		for _, s := range stack {
			if v, ok := strings.CutPrefix(s, "submenu:"); ok {
				p = append(p, v)
			}
		}
		return strings.Join(p, ">")
	}
	next := func() string {
		var n int
		if len(sub) > 0 {
			n = sub[len(sub)-1]
			sub[len(sub)-1]++
		} else {
			n = top
			top++
		}
		idx := strconv.Itoa(n)
		if p := path(); p != "" {
			return p + ">" + idx
		}
		return idx
	}
	for _, raw := range lines(body) {
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		word, rest, _ := strings.Cut(l, " ")
		word = strings.TrimRight(word, "\t")
		switch {
		case word == "menuentry" || word == "submenu":
			sawMe = true
			title, _ := shellWord(strings.TrimSpace(rest), nil)
			id := menuID(rest)
			p := next()
			if word == "submenu" {
				sub = append(sub, 0)
				stack = append(stack, "submenu:"+p)
				continue
			}
			cfg.Entries = append(cfg.Entries, GrubEntry{Title: clean(title, MaxValue), ID: clean(id, MaxValue), Path: p})
			cur = &cfg.Entries[len(cfg.Entries)-1]
			stack = append(stack, "menuentry")
		case l == "}" || strings.HasPrefix(l, "} "):
			if len(stack) == 0 {
				continue
			}
			last := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch {
			case last == "menuentry":
				cur = nil
			case strings.HasPrefix(last, "submenu:"):
				sub = sub[:len(sub)-1]
			}
		case cur != nil && (word == "linux" || word == "linux16" || word == "linuxefi" || strings.HasPrefix(l, "linux\t") || strings.HasPrefix(l, "linux16\t") || strings.HasPrefix(l, "linuxefi\t")):
			f := strings.Fields(l)
			if len(f) >= 2 {
				cur.Kernel = clean(f[1], MaxValue)
				cur.Args = clean(strings.Join(f[2:], " "), MaxCmdline)
			}
		case strings.HasSuffix(l, "{"):
			stack = append(stack, "block") // if/function blocks
		case strings.HasPrefix(l, "set default="):
			v, _ := shellWord(strings.TrimPrefix(l, "set default="), nil)
			raw := strings.TrimPrefix(l, "set default=")
			if !strings.Contains(raw, "next_entry") {
				cfg.Default = clean(strings.Trim(raw, `"'`), MaxValue)
				if !strings.Contains(raw, "$") {
					cfg.Default = clean(v, MaxValue)
				}
			}
		}
	}
	if !sawMe && cfg.Default == "" && !strings.Contains(string(body), "blscfg") && !strings.Contains(string(body), "configfile") {
		return cfg, fmt.Errorf("grub.cfg: no menuentry, default, blscfg or configfile")
	}
	return cfg, nil
}

// menuID finds the `$menuentry_id_option 'id'` or `--id id` value.
func menuID(rest string) string {
	for _, key := range []string{"$menuentry_id_option", "--id"} {
		if i := strings.Index(rest, key); i >= 0 {
			w, _ := shellWord(strings.TrimLeft(rest[i+len(key):], " =\t"), nil)
			return w
		}
	}
	return ""
}

// DefaultIndex resolves a grub default ("0", "1>2", a title, an id, or
// "${saved_entry}" with savedEntry from grubenv) to an entry index; ok is false
// when it cannot be resolved.
func (c GrubCfg) DefaultIndex(savedEntry string, haveGrubenv bool) (int, bool) {
	d := c.Default
	if strings.Contains(d, "saved_entry") {
		if !haveGrubenv {
			return 0, false
		}
		d = savedEntry
	}
	if d == "" {
		d = "0" // grub's default when default is unset or empty
	}
	for i, e := range c.Entries {
		if e.Path == d || e.Title == d || (e.ID != "" && e.ID == d) {
			return i, true
		}
	}
	// "title>title" / "id>id" paths of submenu entries.
	if strings.Contains(d, ">") {
		last := d[strings.LastIndexByte(d, '>')+1:]
		for i, e := range c.Entries {
			if strings.Contains(e.Path, ">") && (e.Title == last || e.ID == last) {
				return i, true
			}
		}
	}
	return 0, false
}

// Grubenv is a parsed grub environment block.
type Grubenv struct {
	SavedEntry string
	Kernelopts string
	HasKOpts   bool
}

// ParseGrubenv parses a grubenv block (name=value lines, # padding).
func ParseGrubenv(body []byte) (Grubenv, error) {
	var g Grubenv
	n := 0
	for _, l := range lines(body) {
		if strings.HasPrefix(l, "#") || l == "" {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		n++
		switch k {
		case "saved_entry":
			g.SavedEntry = clean(v, MaxValue)
		case "kernelopts":
			g.Kernelopts, g.HasKOpts = clean(v, MaxCmdline), true
		}
	}
	if n == 0 && !strings.HasPrefix(string(body), "# GRUB Environment Block") {
		return g, errEmpty()
	}
	return g, nil
}

// BLSEntry is one /boot/loader/entries/*.conf file.
type BLSEntry struct {
	ID      string // file name without .conf
	Title   string
	Version string
	Linux   string
	Options string // as written, $kernelopts not expanded
}

// ParseBLS parses a Boot Loader Specification entry.
func ParseBLS(source string, body []byte) (BLSEntry, error) {
	base := source[strings.LastIndexByte(source, '/')+1:]
	e := BLSEntry{ID: clean(strings.TrimSuffix(base, ".conf"), MaxValue)}
	n := 0
	for _, l := range lines(body) {
		l = strings.TrimSpace(l)
		k, v, _ := strings.Cut(l, " ")
		v = strings.TrimSpace(v)
		switch k {
		case "title":
			e.Title, n = clean(v, MaxValue), n+1
		case "version":
			e.Version, n = clean(v, MaxValue), n+1
		case "linux":
			e.Linux, n = clean(v, MaxValue), n+1
		case "options":
			e.Options, n = strings.TrimSpace(e.Options+" "+v), n+1 // options may repeat
		}
	}
	if n == 0 {
		return e, errEmpty()
	}
	e.Options = clean(e.Options, MaxCmdline)
	return e, nil
}

// ExpandKernelopts replaces $kernelopts / ${kernelopts} in BLS options.
func ExpandKernelopts(options string, env Grubenv) (string, bool) {
	if !strings.Contains(options, "$kernelopts") && !strings.Contains(options, "${kernelopts}") {
		return options, true
	}
	if !env.HasKOpts {
		return options, false
	}
	r := strings.NewReplacer("${kernelopts}", env.Kernelopts, "$kernelopts", env.Kernelopts)
	return r.Replace(options), true
}

// Grubby is `grubby --info=DEFAULT` output.
type Grubby struct {
	Index  string
	Kernel string
	Args   string
	Title  string
}

// ParseGrubby parses `grubby --info=DEFAULT` (key=value or key="value" lines).
func ParseGrubby(body []byte) (Grubby, error) {
	var g Grubby
	var haveArgs bool
	for _, l := range lines(body) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok {
			continue
		}
		if w, ok := shellWord(v, nil); ok && strings.HasPrefix(v, `"`) {
			v = w
		}
		switch k {
		case "index":
			g.Index = clean(v, MaxValue)
		case "kernel":
			g.Kernel = clean(v, MaxValue)
		case "args":
			g.Args, haveArgs = clean(v, MaxCmdline), true
		case "title":
			g.Title = clean(v, MaxValue)
		}
	}
	if !haveArgs {
		return g, errEmpty()
	}
	return g, nil
}

// compareVersions compares version strings naturally (digit runs as numbers),
// the way boot loaders sort kernel entries.
func compareVersions(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		switch {
		case da > 0 && db > 0:
			x, y := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(x) != len(y) {
				return sign(len(x) - len(y))
			}
			if x != y {
				return strings.Compare(x, y)
			}
			a, b = a[da:], b[db:]
		default:
			if a[0] != b[0] {
				return sign(int(a[0]) - int(b[0]))
			}
			a, b = a[1:], b[1:]
		}
	}
	return sign(len(a) - len(b))
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
