package parse

import (
	"strings"

	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/facts"
)

// NotReached is the message of a section the collector never printed.
const NotReached = "the collector did not reach this section"

// ErrorClass classifies an error text printed on the host into a facts.Err*
// class; "" when it recognises none.
func ErrorClass(text string) string {
	switch {
	case strings.Contains(text, "kaudit: timed out"):
		return facts.ErrTimeout
	case strings.Contains(text, "Input/output error"):
		return facts.ErrEIO
	case strings.Contains(text, "Permission denied"), strings.Contains(text, "Operation not permitted"),
		strings.Contains(text, "insufficient permissions"):
		return facts.ErrPermission
	case strings.Contains(text, "No such file or directory"), strings.Contains(text, "command not found"):
		return facts.ErrAbsent
	}
	return ""
}

// classify returns the error class and message of a section from its exit
// status and text; "" for a section that worked.
func classify(s collector.Section) (class, msg string) {
	switch s.Why {
	case collector.WhyTimeout:
		return facts.ErrTimeout, clean(strings.TrimSpace(string(s.Body)), MaxRaw)
	case collector.WhyBudget:
		return facts.ErrNotRun, "not run: the collector's node budget was spent"
	case collector.WhyFork:
		return facts.ErrFork, "the node could not start a process for this section (fork failed: process limit?)"
	}
	if s.Exit == -1 {
		return facts.ErrNotRun, "the output ended inside this section"
	}
	if s.Exit == 0 && s.Truncated && s.Name != facts.SectionKernelLog {
		return facts.ErrTruncated, "cut at the collector's size cap: a partial read is not judged"
	}
	if s.Exit == 0 {
		return "", ""
	}
	msg = clean(strings.TrimSpace(string(s.Body)), MaxRaw)
	if s.Exit == 127 {
		return facts.ErrAbsent, msg
	}
	if c := ErrorClass(string(s.Body)); c != "" {
		return c, msg
	}
	return facts.ErrOther, msg
}

// builder carries what Build needs across sections (boot configuration is
// resolved once every file is known).
type builder struct {
	f         *facts.Facts
	ok        map[string]bool // a section name with at least one instance that worked
	cut       bool
	grubEnv   map[string]string
	grubSrcs  []string
	grubRead  bool
	grubenv   *Grubenv
	grubenvSr string
	grubCfgs  []grubCfgAt
	bls       []blsAt
	grubby    *Grubby
	kubeFlag  string
	kubeConf  string
	klogSeen  bool
	klogDone  bool
}

type grubCfgAt struct {
	source string
	cfg    GrubCfg
}

type blsAt struct {
	source string
	e      BLSEntry
}

// Build assembles one host's facts document from the collector's sections:
// Schema, Host, every fact the sections carry, Sources for every section seen
// (and not_collected for the ones never seen), and the Collector fields the
// script reports (Version, User, Shell, Truncated when a section was cut).
// Transport, Sudo, Bytes, DurationMS, Exit and CollectedAt are the caller's.
func Build(host string, sections []collector.Section) *facts.Facts {
	f := &facts.Facts{
		Schema:  facts.Schema,
		Host:    clean(host, MaxValue),
		Sources: map[string]*facts.Source{},
	}
	f.Boot.Persisted = []facts.BootConfig{}
	f.Runtimes.Runc = []facts.Binary{}
	b := &builder{f: f, ok: map[string]bool{}, grubEnv: map[string]string{}}
	for _, s := range sections {
		b.section(s)
	}
	b.derive()
	for _, name := range facts.Sections() {
		if f.Sources[name] == nil {
			f.Sources[name] = &facts.Source{Exit: -1, Error: facts.ErrNotRun, Message: NotReached}
		}
	}
	return f
}

// record merges one instance of a section into Sources[name]: the sources
// are joined, the section counts as working when any instance worked, and
// failing instances' messages are kept.
func (b *builder) record(s collector.Section, class, msg string) {
	name := clean(s.Name, MaxValue)
	if s.Exit == -1 {
		b.cut = true
	}
	src := b.f.Sources[name]
	if src == nil {
		b.f.Sources[name] = &facts.Source{Source: clean(s.Source, MaxRaw), Exit: s.Exit, Truncated: s.Truncated, Error: class, Message: msg}
		b.ok[name] = class == ""
		return
	}
	src.Source = clean(src.Source+"; "+s.Source, MaxRaw)
	src.Truncated = src.Truncated || s.Truncated
	if class != "" && msg != "" {
		if src.Message != "" {
			src.Message += "\n"
		}
		src.Message = clean(src.Message+s.Source+": "+msg, MaxRaw)
	}
	if class == "" && !b.ok[name] {
		b.ok[name] = true
		src.Exit, src.Error = s.Exit, ""
	}
}

// section parses one section and records its provenance.
func (b *builder) section(s collector.Section) {
	class, msg := classify(s)
	if s.Name == collector.SectionCollector {
		b.collector(s)
		b.record(s, class, msg)
		return
	}
	switch {
	case s.Name == facts.SectionKernelLog:
		// Every kernel log source counts, whole or not: evidence only adds up.
		if perr := b.kernelLog(s); perr != nil && class == "" {
			class, msg = perr.class, clean(perr.msg, MaxRaw)
		}
	case class == "":
		if perr := b.parse(s); perr != nil {
			class, msg = perr.class, clean(perr.msg, MaxRaw)
		}
	default:
		b.failed(s, class)
	}
	b.record(s, class, msg)
}

// sectionError is a parse-time failure of a section that exited 0.
type sectionError struct{ class, msg string }

func parseErr(err error) *sectionError {
	if err == nil {
		return nil
	}
	return &sectionError{class: facts.ErrParse, msg: err.Error()}
}

// failed keeps what a failing section still tells: a runtime binary that
// exists but whose --version failed.
func (b *builder) failed(s collector.Section, class string) {
	if class == facts.ErrAbsent || class == facts.ErrNotRun {
		return
	}
	bin := binaryFromSource(s.Source)
	bin.Raw, bin.Error = rawOf(s.Body), class
	switch s.Name {
	case facts.SectionRunc:
		b.f.Runtimes.Runc = append(b.f.Runtimes.Runc, bin)
	case facts.SectionDocker:
		b.f.Runtimes.Docker = &bin
	case facts.SectionContainerd:
		b.f.Runtimes.Containerd = &bin
	case facts.SectionKubelet:
		b.f.Runtimes.Kubelet = &bin
	}
}

func (b *builder) collector(s collector.Section) {
	for _, l := range lines(s.Body) {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "version":
			b.f.Collector.Version = clean(v, MaxValue)
		case "user":
			b.f.Collector.User = clean(v, MaxValue)
		case "shell":
			b.f.Collector.Shell = clean(v, MaxValue)
		case "watchdogs":
			b.f.Collector.Watchdogs = clean(v, MaxValue)
		}
	}
}

// parse dispatches a section that exited 0 to its parser.
func (b *builder) parse(s collector.Section) *sectionError {
	f := b.f
	body := s.Body
	var err error
	switch s.Name {
	case facts.SectionHostname:
		f.Hostname, err = ParseOneLine(body)
	case facts.SectionOSRelease:
		var rr string
		rr = f.OS.RedhatRelease
		f.OS, err = ParseOSRelease(body)
		f.OS.RedhatRelease = rr
	case facts.SectionRedhatRelease:
		f.OS.RedhatRelease, err = ParseRedhatRelease(body)
	case facts.SectionOSReleaseKernel:
		f.Kernel.Release, err = ParseOneLine(body)
	case facts.SectionProcVersion:
		f.Kernel.Version, err = ParseOneLine(body)
	case facts.SectionVersionSignature:
		f.Kernel.VersionSignature, err = ParseOneLine(body)
	case facts.SectionKernelConfig:
		f.Kernel.Config, err = ParseKernelConfig(body)
	case facts.SectionCmdline:
		var nk, md bool
		f.Boot.Cmdline, f.Boot.Params, nk, md, err = ParseCmdline(body)
		if err == nil {
			f.Boot.Nokmem, f.Boot.MemcgDisabled = boolPtr(nk), boolPtr(md)
		}
	case facts.SectionDefaultGrub:
		ParseDefaultGrub(body, b.grubEnv)
		b.grubRead = true
		b.grubSrcs = append(b.grubSrcs, s.Source)
	case facts.SectionGrubCfg:
		var cfg GrubCfg
		if cfg, err = ParseGrubCfg(body); err == nil {
			b.grubCfgs = append(b.grubCfgs, grubCfgAt{s.Source, cfg})
		}
	case facts.SectionBLS:
		var e BLSEntry
		if e, err = ParseBLS(s.Source, body); err == nil {
			b.bls = append(b.bls, blsAt{s.Source, e})
		}
	case facts.SectionGrubenv:
		var g Grubenv
		if g, err = ParseGrubenv(body); err == nil && b.grubenv == nil {
			b.grubenv, b.grubenvSr = &g, s.Source
		}
	case facts.SectionGrubby:
		var g Grubby
		if g, err = ParseGrubby(body); err == nil {
			b.grubby = &g
		}
	case facts.SectionMounts:
		var m Mounts
		if m, err = ParseMounts(body); err == nil {
			f.Cgroup.Mode = CgroupMode(m)
			f.Cgroup.MemoryV1 = boolPtr(m.MemoryV1)
			f.Cgroup.MemoryMount = m.MemoryMount
		}
	case facts.SectionProcCgroups:
		if f.Cgroup.Controllers, err = ParseProcCgroups(body); err == nil {
			for _, c := range f.Cgroup.Controllers {
				if c.Name == "memory" {
					f.Cgroup.MemoryNumCgroups = intPtr(c.NumCgroups)
				}
			}
		}
	case facts.SectionCgroupV2:
		f.Cgroup.V2Controllers, err = ParseControllers(body)
	case facts.SectionMemcgDirs:
		n, rc, msg, perr := ParseMemcgDirs(body)
		if perr != nil {
			return parseErr(perr)
		}
		f.Cgroup.MemoryLiveDirs = n
		if rc != 0 {
			class := ErrorClass(msg)
			if rc == 124 || rc == 137 || rc == 143 {
				class = facts.ErrTimeout
			} else if class == "" {
				class = facts.ErrOther
			}
			return &sectionError{class: class, msg: msg}
		}
	case facts.SectionKmem:
		var k facts.Kmem
		if k, err = ParseKmem(body); err == nil {
			k.SlabEntries = f.Kmem.SlabEntries
			f.Kmem = k
		}
	case facts.SectionSlab:
		f.Kmem.SlabEntries, err = ParseSlabEntries(body)
	case facts.SectionMeminfo:
		f.Memory.Meminfo, err = ParseMeminfo(body)
	case facts.SectionBuddyinfo:
		f.Memory.Buddyinfo, err = ParseBuddyinfo(body)
	case facts.SectionExtfragIndex:
		f.Memory.ExtfragIndex, err = ParseExtfragIndex(body)
	case facts.SectionExtfragThreshold:
		f.Memory.ExtfragThreshold, err = ParseInt(body)
	case facts.SectionRunc:
		bin, perr := ParseRunc(s.Source, body)
		if perr != nil {
			bin.Error = facts.ErrParse
		}
		f.Runtimes.Runc = append(f.Runtimes.Runc, bin)
		err = perr
	case facts.SectionDocker:
		f.Runtimes.Docker, err = binary(ParseDocker(s.Source, body))
	case facts.SectionContainerd:
		f.Runtimes.Containerd, err = binary(ParseContainerd(s.Source, body))
	case facts.SectionKubelet:
		f.Runtimes.Kubelet, err = binary(ParseKubelet(s.Source, body))
	case facts.SectionKubeletConfig:
		if d, flag := ParseKubeletDriver(body); flag {
			b.kubeFlag = d
		} else if d != "" && b.kubeConf == "" {
			b.kubeConf = d
		}
	case facts.SectionDockerDaemon:
		f.Runtimes.DockerCgroupDriver, err = ParseDockerDaemon(body)
	case facts.SectionKernelLog:
		return b.kernelLog(s)
	}
	return parseErr(err)
}

func classOr(c, def string) string {
	if c == "" {
		return def
	}
	return c
}

// binary turns a version parser's result into the facts pointer, marking a
// parse failure in the binary itself.
func binary(bin facts.Binary, err error) (*facts.Binary, error) {
	if err != nil {
		bin.Error = facts.ErrParse
	}
	return &bin, err
}

// derive derives the facts that need several sections.
func (b *builder) derive() {
	f := b.f
	f.Kernel.Family, f.Kernel.Upstream = facts.KernelFamilyFrom(f.Kernel.Release, f.Kernel.VersionSignature, f.Kernel.Version)
	if b.klogSeen {
		done := b.klogDone
		f.KernelLog.Complete = &done
	}
	if b.cut {
		f.Collector.Truncated = true
	}
	f.Runtimes.KubeletCgroupDriver = b.kubeConf
	if b.kubeFlag != "" {
		f.Runtimes.KubeletCgroupDriver = b.kubeFlag
	}
	RHELDockerRunc(f.Runtimes.Runc, f.Runtimes.Docker)
	b.persisted()
}

// persisted fills Boot.Persisted from /etc/default/grub, grubenv, grub.cfg,
// BLS entries and grubby.
func (b *builder) persisted() {
	p := &b.f.Boot.Persisted
	if b.grubRead {
		args := strings.TrimSpace(b.grubEnv["GRUB_CMDLINE_LINUX"] + " " + b.grubEnv["GRUB_CMDLINE_LINUX_DEFAULT"])
		*p = append(*p, bootConfig(facts.KindDefaultGrub, strings.Join(b.grubSrcs, "; "), "GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT", true, args))
	}
	var env Grubenv
	if b.grubenv != nil {
		env = *b.grubenv
		if env.HasKOpts {
			*p = append(*p, bootConfig(facts.KindGrubenv, b.grubenvSr, "kernelopts", true, env.Kernelopts))
		}
	}
	for _, g := range b.grubCfgs {
		def, ok := g.cfg.DefaultIndex(env.SavedEntry, b.grubenv != nil)
		if !ok {
			def = 0 // unclear: the first entry, as grub falls back to it
		}
		for i, e := range g.cfg.Entries {
			if e.Kernel == "" {
				continue // chainloader, memtest, ...
			}
			*p = append(*p, bootConfig(facts.KindGrubCfg, g.source, e.Title, i == def, e.Args))
		}
	}
	if len(b.bls) > 0 {
		def := -1
		for i, e := range b.bls {
			if env.SavedEntry != "" && (e.e.ID == env.SavedEntry || e.e.Title == env.SavedEntry) {
				def = i
			}
		}
		if def < 0 { // grub sorts BLS entries by version, newest first
			def = 0
			for i, e := range b.bls {
				if compareVersions(blsKey(e.e), blsKey(b.bls[def].e)) > 0 {
					def = i
				}
			}
		}
		for i, e := range b.bls {
			args, _ := ExpandKernelopts(e.e.Options, env)
			title := e.e.Title
			if title == "" {
				title = e.e.ID
			}
			*p = append(*p, bootConfig(facts.KindBLS, e.source, title, i == def, args))
		}
	}
	if b.grubby != nil {
		entry := b.grubby.Title
		if entry == "" {
			entry = b.grubby.Kernel
		}
		*p = append(*p, bootConfig(facts.KindGrubby, "grubby --info=DEFAULT", entry, true, b.grubby.Args))
	}
}

func blsKey(e BLSEntry) string {
	if e.Version != "" {
		return e.Version
	}
	return e.ID
}
