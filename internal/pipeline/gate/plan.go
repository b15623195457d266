// Package gate is kaudit's pre-upgrade gate: an upgrade plan in HCL (the
// target state per selector and the fleet rules), the projection of each
// host's current facts to the facts the plan implies, and the go / no-go
// verdict per host and for the fleet. docs/gate.md documents the plan
// language and the semantics.
package gate

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/policies/version"
	"github.com/kaudit/kaudit/probes/facts"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// maxPlanSize caps a plan file: a plan is a few blocks, not data.
const maxPlanSize = 1 << 20

// Plan is a parsed, validated upgrade plan.
type Plan struct {
	File    string
	Rules   Rules
	Changes []*Change    // in file order
	Groups  []*GroupRule // in file order
	// Versions are the version facts the plan is checked and projected
	// with: the kmem pack's (PackVersions).
	Versions Versions
}

// Rules are the fleet rules of the plan's rules block.
type Rules struct {
	// MaxUnreachable: how many of the hosts the plan targets may be
	// unreachable (a count or a percentage of the targeted hosts). Default 0.
	MaxUnreachable Limit
	// MaxNoGo: how many hosts of one group may be no-go, for every group
	// without a group block of its own (and for the hosts in no group).
	// Default 0.
	MaxNoGo   Limit
	DeclRange hcl.Range
}

// GroupRule is a group block: the limit for one inventory group.
type GroupRule struct {
	Name      string
	MaxNoGo   Limit
	DeclRange hcl.Range
}

// Change is a change block: the target state of the hosts it selects.
// Empty strings and nil pointers leave that part of the host as it is.
type Change struct {
	Name string
	// Select uses the --limit selector syntax of the inventory:
	// group=NAME, label.KEY=VALUE or a host name glob; selectors of one kind
	// are ORed, of different kinds ANDed.
	Select []string

	Kernel          string // kernel release to boot, as uname -r prints it
	KernelSignature string // Ubuntu: /proc/version_signature of that kernel
	BootArgsAdd     []string
	BootArgsRemove  []string

	Runc       string // runc version; every runc binary of the host becomes this build
	RuncNokmem *bool  // that runc is built with the nokmem tag (>= 1.0.0-rc6)
	Docker     string
	Containerd string
	Kubelet    string // "v1.15.5"; normalised with a leading "v"
	// KubeletNokmem: the kubelet is built with -tags=nokmem (>= 1.14).
	KubeletNokmem *bool
	// Reboot: the rollout reboots the host. Nil: implied by a kernel or
	// boot-argument change.
	Reboot *bool

	DeclRange hcl.Range
	// attrs holds the range of every argument set, for diagnostics.
	attrs map[string]hcl.Range
}

// Reboots reports whether the change reboots the host: reboot = true, or a
// new kernel or boot arguments without reboot = false (which Load rejects).
func (c *Change) Reboots() bool {
	if c.Reboot != nil {
		return *c.Reboot
	}
	return c.Kernel != "" || len(c.BootArgsAdd) > 0 || len(c.BootArgsRemove) > 0
}

// Range returns where the named argument is set, or the block's range.
func (c *Change) Range(name string) hcl.Range {
	if r, ok := c.attrs[name]; ok {
		return r
	}
	return c.DeclRange
}

// Load reads and validates a plan file. It returns the parsed files for
// inventory.WriteDiagnostics even on error; on error the plan is nil.
func Load(path string) (*Plan, map[string]*hcl.File, hcl.Diagnostics) {
	src, err := readCapped(path)
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read plan", Detail: err.Error()}}
	}
	return Parse(src, path)
}

func readCapped(path string) ([]byte, error) {
	b, err := inventory.ReadFileCapped(path, maxPlanSize)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return b, nil
}

var planSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "rules"},
	{Type: "change", LabelNames: []string{"name"}},
	{Type: "group", LabelNames: []string{"name"}},
}}

var rulesSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "max_unreachable"}, {Name: "max_no_go"},
}}

var groupSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "max_no_go", Required: true},
}}

var changeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "select", Required: true},
	{Name: "kernel"}, {Name: "kernel_signature"},
	{Name: "boot_args_add"}, {Name: "boot_args_remove"},
	{Name: "runc"}, {Name: "runc_nokmem"},
	{Name: "docker"}, {Name: "containerd"},
	{Name: "kubelet"}, {Name: "kubelet_nokmem"},
	{Name: "reboot"},
}}

// Parse parses and validates a plan from memory.
func Parse(src []byte, filename string) (*Plan, map[string]*hcl.File, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	file, diags := parser.ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, parser.Files(), diags
	}
	v, err := PackVersions()
	if err != nil {
		return nil, parser.Files(), append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read the version facts", Detail: err.Error()})
	}
	d := &decoder{diags: diags, v: v}
	p := d.plan(file, filename)
	if p != nil {
		p.Versions = v
	}
	if d.diags.HasErrors() {
		return nil, parser.Files(), d.diags
	}
	return p, parser.Files(), d.diags
}

type decoder struct {
	diags hcl.Diagnostics
	v     Versions // what changes are checked against
}

func (d *decoder) errAt(rng hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

func (d *decoder) warnAt(rng hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()})
}

func (d *decoder) plan(file *hcl.File, filename string) *Plan {
	p := &Plan{File: filename}
	content, diags := file.Body.Content(planSchema)
	d.diags = append(d.diags, diags...)
	if content == nil {
		return p
	}
	seen := map[string]hcl.Range{}
	unique := func(b *hcl.Block) bool {
		key := b.Type + " " + strings.Join(b.Labels, " ")
		if prev, dup := seen[key]; dup {
			d.errAt(b.DefRange, "Duplicate "+b.Type+" block", "%s is already declared at %s.", strings.TrimSpace(key), pos(prev))
			return false
		}
		seen[key] = b.DefRange
		return true
	}
	for _, b := range content.Blocks {
		if !unique(b) {
			continue
		}
		switch b.Type {
		case "rules":
			p.Rules = d.rules(b)
		case "change":
			if c := d.change(b); c != nil {
				p.Changes = append(p.Changes, c)
			}
		case "group":
			p.Groups = append(p.Groups, d.group(b))
		}
	}
	if len(p.Changes) == 0 {
		d.errAt(file.Body.MissingItemRange(), "No change block", "A plan needs at least one change \"NAME\" { select = [...] ... } block saying what the rollout changes.")
	}
	return p
}

func (d *decoder) rules(b *hcl.Block) Rules {
	r := Rules{DeclRange: b.DefRange}
	c, diags := b.Body.Content(rulesSchema)
	d.diags = append(d.diags, diags...)
	if c == nil {
		return r
	}
	if a := c.Attributes["max_unreachable"]; a != nil {
		r.MaxUnreachable = d.limit(a)
	}
	if a := c.Attributes["max_no_go"]; a != nil {
		r.MaxNoGo = d.limit(a)
	}
	return r
}

func (d *decoder) group(b *hcl.Block) *GroupRule {
	g := &GroupRule{Name: b.Labels[0], DeclRange: b.DefRange}
	c, diags := b.Body.Content(groupSchema)
	d.diags = append(d.diags, diags...)
	if c != nil {
		if a := c.Attributes["max_no_go"]; a != nil {
			g.MaxNoGo = d.limit(a)
		}
	}
	return g
}

// limit decodes a count (a whole number >= 0) or a percentage ("10%").
func (d *decoder) limit(a *hcl.Attribute) Limit {
	v, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return Limit{}
	}
	const help = "Write a count of hosts (a whole number, 0 or more) or a percentage as a string (\"10%\")."
	switch {
	case v.IsNull() || !v.IsKnown():
	case v.Type() == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		l, err := limitOfCount(f)
		if err != nil {
			d.errAt(a.Expr.Range(), "Invalid "+a.Name, "%v. %s", err, help)
			return Limit{}
		}
		return l
	case v.Type() == cty.String:
		l, err := ParseLimit(v.AsString())
		if err != nil {
			d.errAt(a.Expr.Range(), "Invalid "+a.Name, "%v. %s", err, help)
			return Limit{}
		}
		return l
	}
	d.errAt(a.Expr.Range(), "Invalid "+a.Name, "%s must be a number or a string. %s", a.Name, help)
	return Limit{}
}

func (d *decoder) change(b *hcl.Block) *Change {
	c := &Change{Name: b.Labels[0], DeclRange: b.DefRange, attrs: map[string]hcl.Range{}}
	content, diags := b.Body.Content(changeSchema)
	d.diags = append(d.diags, diags...)
	if content == nil {
		return nil
	}
	attrs := content.Attributes
	for name, a := range attrs {
		c.attrs[name] = a.Expr.Range()
	}
	if a := attrs["select"]; a != nil {
		c.Select = d.strList(a)
		if len(c.Select) == 0 && !d.diags.HasErrors() {
			d.errAt(a.Expr.Range(), "Empty select", "change %q selects nothing; use the --limit syntax: [\"group=workers\"], [\"label.role=worker\"], [\"worker-0*\"].", c.Name)
		}
	}
	c.Kernel = d.str(attrs["kernel"])
	c.KernelSignature = d.str(attrs["kernel_signature"])
	c.BootArgsAdd = d.strList(attrs["boot_args_add"])
	c.BootArgsRemove = d.strList(attrs["boot_args_remove"])
	c.Runc = strings.TrimPrefix(d.str(attrs["runc"]), "v")
	c.RuncNokmem = d.boolean(attrs["runc_nokmem"])
	c.Docker = d.str(attrs["docker"])
	c.Containerd = d.str(attrs["containerd"])
	if k := d.str(attrs["kubelet"]); k != "" {
		c.Kubelet = "v" + strings.TrimPrefix(k, "v")
	}
	c.KubeletNokmem = d.boolean(attrs["kubelet_nokmem"])
	c.Reboot = d.boolean(attrs["reboot"])
	d.validate(c)
	return c
}

// validate checks what one change block says on its own.
func (d *decoder) validate(c *Change) {
	for i, s := range c.Select {
		if strings.TrimSpace(s) == "" {
			d.errAt(c.Range("select"), "Empty selector", "select entry %d of change %q is empty.", i+1, c.Name)
		}
	}
	if c.Kernel != "" {
		family, upstream := facts.KernelFamily(c.Kernel, c.KernelSignature)
		switch {
		case upstream == "" || !version.Valid(version.KindKernel, upstream):
			d.errAt(c.Range("kernel"), "Invalid kernel", "change %q: cannot tell the upstream version of kernel %q; give the release as uname -r prints it (\"3.10.0-1160.el7.x86_64\", \"5.15.0-88-generic\").", c.Name, c.Kernel)
		case family == "rhel7" && !version.Valid(version.KindRPM, c.Kernel):
			d.errAt(c.Range("kernel"), "Invalid kernel", "change %q: %q is not an RPM kernel release.", c.Name, c.Kernel)
		}
	} else if c.KernelSignature != "" {
		d.errAt(c.Range("kernel_signature"), "kernel_signature without kernel", "change %q: kernel_signature describes the kernel set by kernel; set kernel too.", c.Name)
	}
	versions := []struct{ attr, kind, val string }{
		{"runc", version.KindRunc, c.Runc},
		{"docker", version.KindDocker, c.Docker},
		{"containerd", version.KindSemver, c.Containerd},
		{"kubelet", version.KindKubelet, c.Kubelet},
	}
	for _, v := range versions {
		if v.val != "" && !version.Valid(v.kind, v.val) {
			d.errAt(c.Range(v.attr), "Invalid "+v.attr+" version", "change %q: %q is not a %s version (e.g. %s).", c.Name, v.val, v.attr, versionExample(v.attr))
		}
	}
	if isTrue(c.RuncNokmem) && c.Runc != "" && vcmp(version.KindRunc, c.Runc, d.v.RuncNokmemTag) == -1 {
		d.errAt(c.Range("runc_nokmem"), "No nokmem build tag", "change %q: runc %s predates the nokmem build tag (from %s).", c.Name, c.Runc, d.v.RuncNokmemTag)
	}
	if isTrue(c.KubeletNokmem) && c.Kubelet != "" && vcmp(version.KindKubelet, c.Kubelet, d.v.KubeletNokmemTag) == -1 {
		d.errAt(c.Range("kubelet_nokmem"), "No nokmem build tag", "change %q: kubelet %s predates -tags=nokmem (supported from %s).", c.Name, c.Kubelet, d.v.KubeletNokmemTag)
	}
	if c.Reboot != nil && !*c.Reboot && (c.Kernel != "" || len(c.BootArgsAdd)+len(c.BootArgsRemove) > 0) {
		d.errAt(c.Range("reboot"), "Change needs a reboot", "change %q sets a kernel or boot arguments, which take effect only at a reboot; remove reboot = false.", c.Name)
	}
	d.bootArgs(c)
	if c.Kernel == "" && len(c.BootArgsAdd)+len(c.BootArgsRemove) == 0 && c.Runc == "" && c.RuncNokmem == nil &&
		c.Docker == "" && c.Containerd == "" && c.Kubelet == "" && c.KubeletNokmem == nil && !isTrue(c.Reboot) {
		d.warnAt(c.DeclRange, "Change changes nothing", "change %q sets no kernel, boot argument, version, build flag or reboot: its hosts are judged on their current state.", c.Name)
	}
}

// bootArgs checks the argument lists: single words, a key before any '=',
// and no key both added and removed.
func (d *decoder) bootArgs(c *Change) {
	added := map[string]string{}
	check := func(attr string, args []string) {
		for _, a := range args {
			k, _, _ := strings.Cut(a, "=")
			if k == "" || strings.ContainsAny(a, " \t\n\"'") {
				d.errAt(c.Range(attr), "Invalid boot argument", "change %q: %q is not one kernel argument: write KEY or KEY=VALUE without blanks or quotes.", c.Name, a)
			}
		}
	}
	check("boot_args_add", c.BootArgsAdd)
	check("boot_args_remove", c.BootArgsRemove)
	for _, a := range c.BootArgsAdd {
		k, _, _ := strings.Cut(a, "=")
		if prev, dup := added[k]; dup && prev != a {
			d.errAt(c.Range("boot_args_add"), "Conflicting boot arguments", "change %q adds both %q and %q.", c.Name, prev, a)
		}
		added[k] = a
	}
	for _, a := range c.BootArgsRemove {
		k, _, _ := strings.Cut(a, "=")
		if prev, ok := added[k]; ok {
			d.errAt(c.Range("boot_args_remove"), "Conflicting boot arguments", "change %q both adds %q and removes %q.", c.Name, prev, a)
		}
	}
}

func versionExample(attr string) string {
	switch attr {
	case "runc":
		return `"1.0.0-rc95"`
	case "docker":
		return `"19.03.15"`
	case "containerd":
		return `"1.4.13"`
	}
	return `"v1.15.5"`
}

func (d *decoder) value(a *hcl.Attribute, want cty.Type) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.IsNull() {
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, want)
	if err != nil || !cv.IsWhollyKnown() {
		d.errAt(a.Expr.Range(), "Invalid "+a.Name, "%s must be %s.", a.Name, want.FriendlyName())
		return cty.NilVal, false
	}
	return cv, true
}

func (d *decoder) str(a *hcl.Attribute) string {
	if a == nil {
		return ""
	}
	v, ok := d.value(a, cty.String)
	if !ok {
		return ""
	}
	s := strings.TrimSpace(v.AsString())
	if s == "" {
		d.errAt(a.Expr.Range(), "Empty "+a.Name, "%s must not be empty; leave it out to keep what the host has.", a.Name)
	}
	return s
}

func (d *decoder) strList(a *hcl.Attribute) []string {
	if a == nil {
		return nil
	}
	v, ok := d.value(a, cty.List(cty.String))
	if !ok {
		return nil
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			d.errAt(a.Expr.Range(), "Invalid "+a.Name, "%s must not contain null.", a.Name)
			continue
		}
		out = append(out, strings.TrimSpace(e.AsString()))
	}
	return out
}

func (d *decoder) boolean(a *hcl.Attribute) *bool {
	if a == nil {
		return nil
	}
	v, ok := d.value(a, cty.Bool)
	if !ok {
		return nil
	}
	b := v.True()
	return &b
}

func isTrue(b *bool) bool { return b != nil && *b }

// pos formats the start of a range as file:line:col.
func pos(rng hcl.Range) string { return inventory.Pos(rng) }
