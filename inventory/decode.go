package inventory

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// rawFile is the top level of one inventory file, decoded with gohcl. The
// bodies are kept for the second, per-kind decoding step.
type rawFile struct {
	Defaults []*rawBlock `hcl:"defaults,block"`
	Bastions []*rawNamed `hcl:"bastion,block"`
	Groups   []*rawNamed `hcl:"group,block"`
	Hosts    []*rawNamed `hcl:"host,block"`
	Params   []*rawBlock `hcl:"params,block"`
	Waivers  []*rawNamed `hcl:"waiver,block"`
	History  []*rawBlock `hcl:"history,block"`
}

type rawBlock struct {
	Body     hcl.Body  `hcl:",remain"`
	DefRange hcl.Range `hcl:",def_range"`
}

type rawNamed struct {
	Name      string    `hcl:"name,label"`
	NameRange hcl.Range `hcl:"name,label_range"`
	Body      hcl.Body  `hcl:",remain"`
	DefRange  hcl.Range `hcl:",def_range"`
}

// blockKind identifies a block type; kinds combine as a bit set in attrSpec.
type blockKind uint8

const (
	kindDefaults blockKind = 1 << iota
	kindBastion
	kindGroup
	kindHost
	kindWaiver
	kindParams  // free-form; not in attrSpecs
	kindHistory // its own schema (history.go); not in attrSpecs
)

func (k blockKind) String() string {
	switch k {
	case kindDefaults:
		return "defaults"
	case kindBastion:
		return "bastion"
	case kindGroup:
		return "group"
	case kindHost:
		return "host"
	case kindWaiver:
		return "waiver"
	case kindParams:
		return "params"
	case kindHistory:
		return "history"
	}
	return "unknown"
}

// names lists the kinds in a set, e.g. "group and waiver".
func (k blockKind) names() string {
	var out []string
	for b := kindDefaults; b <= kindWaiver; b <<= 1 {
		if k&b != 0 {
			out = append(out, b.String())
		}
	}
	if len(out) <= 1 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// attrSpec is one argument of the language and the blocks that accept it.
type attrSpec struct {
	name  string
	kinds blockKind
}

// attrSpecs is the whole attribute vocabulary (params is free-form and not
// listed). The order is the order of "Did you mean" suggestions.
func attrSpecs() []attrSpec {
	const targets = kindDefaults | kindGroup | kindHost
	const conn = targets | kindBastion
	return []attrSpec{
		{"address", kindHost | kindBastion},
		{"port", conn},
		{"user", conn},
		{"identity_file", conn},
		{"identity_files", conn},
		{"identity_passphrase_env", conn},
		{"password", conn},
		{"agent", conn},
		{"known_hosts", conn},
		{"host_key_policy", conn},
		{"timeout", targets},
		{"connect_timeout", conn},
		{"sudo", targets},
		{"ssh_config", conn},
		{"bastion", conn},
		{"transport", targets},
		{"labels", targets},
		{"hosts", kindGroup | kindWaiver},
		{"groups", kindHost | kindWaiver},
		{"concurrency", kindGroup | kindBastion},
		{"checks", kindWaiver},
		{"reason", kindWaiver},
		{"owner", kindWaiver},
		{"ticket", kindWaiver},
		{"expires", kindWaiver},
		{"allow_critical", kindWaiver},
	}
}

// schemas holds one body schema per block kind. Each schema lists every
// known attribute (those the kind accepts first) so that hcl reports truly
// unknown names with a suggestion, and content() reports known names used in
// the wrong block with a pointer to the right one.
type schemas struct {
	byKind  map[blockKind]*hcl.BodySchema
	allowed map[string]blockKind
}

func newSchemas() schemas {
	specs := attrSpecs()
	s := schemas{byKind: map[blockKind]*hcl.BodySchema{}, allowed: map[string]blockKind{}}
	for _, sp := range specs {
		s.allowed[sp.name] = sp.kinds
	}
	for k := kindDefaults; k <= kindWaiver; k <<= 1 {
		var own, other []hcl.AttributeSchema
		for _, sp := range specs {
			if sp.kinds&k != 0 {
				own = append(own, hcl.AttributeSchema{Name: sp.name})
			} else {
				other = append(other, hcl.AttributeSchema{Name: sp.name})
			}
		}
		s.byKind[k] = &hcl.BodySchema{Attributes: append(own, other...)}
	}
	return s
}

// decl is one named or unnamed block, with what is needed to decode it.
type decl struct {
	kind      blockKind
	name      string
	nameRange hcl.Range
	def       hcl.Range
	body      hcl.Body
	ctx       *hcl.EvalContext
	file      int // index of the file in load order
}

// before orders declarations by file, then position in the file.
func (d *decl) before(o *decl) bool {
	if d.file != o.file {
		return d.file < o.file
	}
	return d.def.Start.Byte < o.def.Start.Byte
}

// content decodes the block body against its kind's schema and rejects
// arguments that belong to other kinds. It returns only accepted attributes.
func (r *loadRun) content(d *decl) hcl.Attributes {
	c, diags := d.body.Content(r.schemas.byKind[d.kind])
	for _, dg := range diags {
		aliasHint(dg)
	}
	r.diags = append(r.diags, diags...)
	if c == nil {
		return hcl.Attributes{}
	}
	for _, a := range sortedAttrs(c.Attributes) {
		kinds := r.schemas.allowed[a.Name]
		if kinds&d.kind != 0 {
			continue
		}
		r.errAt(a.NameRange, "Argument not allowed here",
			"%q is not valid in a %s block; it belongs in %s blocks.", a.Name, d.kind, kinds.names())
		delete(c.Attributes, a.Name)
	}
	return c.Attributes
}

// sortedAttrs returns attributes in source order, for deterministic diagnostics.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	return out
}

// setting is one optional value of a layer and where it was written.
type setting[T any] struct {
	val T
	set bool
	rng hcl.Range
}

// layer is the settings one block (defaults, group, host or bastion)
// declares. Resolution picks, per setting, the most specific layer that set it.
type layer struct {
	user, passphraseEnv, hostKeyPolicy, sshConfig, transport, bastion setting[string]
	identityFiles, knownHosts                                         setting[[]string]
	password                                                          setting[Secret]
	agent, sudo                                                       setting[bool]
	timeout, connectTimeout                                           setting[time.Duration]
	port                                                              setting[int]
	labels                                                            map[string]string
}

// decodeLayer decodes the connection settings and labels present in attrs.
func (r *loadRun) decodeLayer(d *decl, attrs hcl.Attributes) *layer {
	l := &layer{}
	if a := attrs["user"]; a != nil {
		l.user = r.nonEmpty(d, a)
	}
	if a, b := attrs["identity_file"], attrs["identity_files"]; a != nil && b != nil {
		r.errAt(b.NameRange, "Conflicting arguments",
			"identity_file is already set at %s; use identity_files = [...] alone to list several keys.", Pos(a.NameRange))
	} else if a != nil || b != nil {
		if a == nil {
			a = b
		}
		l.identityFiles = r.paths(d, a)
	}
	if a := attrs["identity_passphrase_env"]; a != nil {
		l.passphraseEnv = r.nonEmpty(d, a)
	}
	if a := attrs["password"]; a != nil {
		l.password = r.password(d, a)
	}
	if a := attrs["agent"]; a != nil {
		l.agent = r.boolean(d, a)
	}
	if a := attrs["known_hosts"]; a != nil {
		l.knownHosts = r.paths(d, a)
	}
	if a := attrs["host_key_policy"]; a != nil {
		l.hostKeyPolicy = r.oneOf(d, a, "strict", "accept-new")
	}
	if a := attrs["timeout"]; a != nil {
		l.timeout = r.duration(d, a)
	}
	if a := attrs["connect_timeout"]; a != nil {
		l.connectTimeout = r.duration(d, a)
	}
	if a := attrs["sudo"]; a != nil {
		l.sudo = r.boolean(d, a)
	}
	if a := attrs["ssh_config"]; a != nil {
		l.sshConfig = r.nonEmpty(d, a)
		if l.sshConfig.set && l.sshConfig.val != "none" {
			l.sshConfig.val = r.expandHome(l.sshConfig.val)
		}
	}
	if a := attrs["port"]; a != nil {
		l.port = r.integer(d, a, 1, 65535)
	}
	if a := attrs["bastion"]; a != nil {
		// "" is allowed: it means "direct", overriding a group or defaults bastion.
		l.bastion = r.str(d, a)
	}
	if a := attrs["transport"]; a != nil {
		l.transport = r.oneOf(d, a, "ssh", "local")
	}
	if a := attrs["labels"]; a != nil {
		l.labels = r.labels(d, a)
	}
	return l
}

// eval evaluates an attribute and converts it to ty. A null value counts as
// not set; a failed evaluation or conversion has been reported.
func (r *loadRun) eval(d *decl, a *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	return r.evalExpr(d, a.Name, a.Expr, ty)
}

func (r *loadRun) evalExpr(d *decl, name string, expr hcl.Expression, ty cty.Type) (cty.Value, bool) {
	v, diags := expr.Value(d.ctx)
	r.diags = append(r.diags, diags...)
	if diags.HasErrors() || v.IsNull() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		r.errAt(expr.Range(), "Incorrect value type",
			"Inappropriate value for %q: %s.", name, err.Error())
		return cty.NilVal, false
	}
	return cv, true
}

func (r *loadRun) str(d *decl, a *hcl.Attribute) setting[string] {
	v, ok := r.eval(d, a, cty.String)
	if !ok {
		return setting[string]{}
	}
	return setting[string]{val: v.AsString(), set: true, rng: a.Expr.Range()}
}

func (r *loadRun) nonEmpty(d *decl, a *hcl.Attribute) setting[string] {
	s := r.str(d, a)
	if s.set && strings.TrimSpace(s.val) == "" {
		r.errAt(s.rng, "Empty value", "%q must not be empty.", a.Name)
		return setting[string]{}
	}
	return s
}

func (r *loadRun) oneOf(d *decl, a *hcl.Attribute, allowed ...string) setting[string] {
	s := r.str(d, a)
	if s.set && !slices.Contains(allowed, s.val) {
		r.errAt(s.rng, "Invalid "+a.Name,
			"%q is not a valid %s; use one of %s.%s", s.val, a.Name, quoteList(allowed), didYouMean(s.val, allowed))
		return setting[string]{}
	}
	return s
}

func (r *loadRun) boolean(d *decl, a *hcl.Attribute) setting[bool] {
	v, ok := r.eval(d, a, cty.Bool)
	if !ok {
		return setting[bool]{}
	}
	return setting[bool]{val: v.True(), set: true, rng: a.Expr.Range()}
}

func (r *loadRun) integer(d *decl, a *hcl.Attribute, lo, hi int) setting[int] {
	v, ok := r.eval(d, a, cty.Number)
	if !ok {
		return setting[int]{}
	}
	var n int
	if err := gocty.FromCtyValue(v, &n); err != nil || n < lo || n > hi {
		r.errAt(a.Expr.Range(), "Invalid "+a.Name,
			"%s must be a whole number from %d to %d; got %s.", a.Name, lo, hi, v.AsBigFloat().Text('g', 10))
		return setting[int]{}
	}
	return setting[int]{val: n, set: true, rng: a.Expr.Range()}
}

func (r *loadRun) duration(d *decl, a *hcl.Attribute) setting[time.Duration] {
	s := r.str(d, a)
	if !s.set {
		return setting[time.Duration]{}
	}
	dur, err := time.ParseDuration(s.val)
	if err != nil || dur <= 0 {
		r.errAt(s.rng, "Invalid duration",
			"%s = %q is not a positive duration; write a number with a unit, e.g. \"30s\", \"5m\" or \"1h30m\".", a.Name, s.val)
		return setting[time.Duration]{}
	}
	return setting[time.Duration]{val: dur, set: true, rng: s.rng}
}

// strOrList accepts a string or a list of strings.
func (r *loadRun) strOrList(d *decl, a *hcl.Attribute) setting[[]string] {
	v, diags := a.Expr.Value(d.ctx)
	r.diags = append(r.diags, diags...)
	if diags.HasErrors() || v.IsNull() || !v.IsWhollyKnown() {
		return setting[[]string]{}
	}
	if v.Type() == cty.String {
		return setting[[]string]{val: []string{v.AsString()}, set: true, rng: a.Expr.Range()}
	}
	var out []string
	cv, err := convert.Convert(v, cty.List(cty.String))
	if err == nil {
		err = gocty.FromCtyValue(cv, &out)
	}
	if err != nil {
		r.errAt(a.Expr.Range(), "Incorrect value type",
			"%q must be a string or a list of strings: %s.", a.Name, err.Error())
		return setting[[]string]{}
	}
	return setting[[]string]{val: out, set: true, rng: a.Expr.Range()}
}

// paths is strOrList with "~" expanded and empty entries rejected.
func (r *loadRun) paths(d *decl, a *hcl.Attribute) setting[[]string] {
	s := r.strOrList(d, a)
	for i, p := range s.val {
		if strings.TrimSpace(p) == "" {
			r.errAt(s.rng, "Empty path", "%q contains an empty path.", a.Name)
			return setting[[]string]{}
		}
		s.val[i] = r.expandHome(p)
	}
	return s
}

func (r *loadRun) labels(d *decl, a *hcl.Attribute) map[string]string {
	v, ok := r.eval(d, a, cty.Map(cty.String))
	if !ok {
		return nil
	}
	out := make(map[string]string, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		key := k.AsString()
		if !validLabelKey(key) {
			r.errAt(a.Expr.Range(), "Invalid label key",
				"Label key %q must be non-empty and use only letters, digits, '_', '-', '.' and '/' (it is used in --limit label.KEY=VALUE).", key)
			continue
		}
		if e.IsNull() {
			r.errAt(a.Expr.Range(), "Invalid label value", "Label %q is null; give it a string value.", key)
			continue
		}
		out[key] = e.AsString()
	}
	return out
}

func validLabelKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !validHostChar(c) && c != '/' {
			return false
		}
	}
	return true
}

// password decodes a password and warns when it is written in the file
// rather than read through env() or file().
func (r *loadRun) password(d *decl, a *hcl.Attribute) setting[Secret] {
	s := r.str(d, a)
	if !s.set {
		return setting[Secret]{}
	}
	if !callsSecretFunc(a.Expr) {
		r.diags = append(r.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Literal password in inventory",
			Detail: fmt.Sprintf("The password on line %d of %s is written in the inventory, where anyone who can read the file can read it. "+
				"Use password = env(\"NAME\") or password = trimspace(file(\"PATH\")) instead.", a.Range.Start.Line, a.Range.Filename),
			Subject: a.Expr.Range().Ptr(),
		})
	}
	return setting[Secret]{val: NewSecret(s.val), set: true, rng: s.rng}
}

// callsSecretFunc reports whether the expression reads env() or file()
// anywhere; an expression without either is a literal secret.
func callsSecretFunc(expr hcl.Expression) bool {
	se, ok := expr.(hclsyntax.Expression)
	if !ok {
		return false
	}
	found := false
	hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		if call, ok := n.(*hclsyntax.FunctionCallExpr); ok && isSecretFunc(call.Name) {
			found = true
		}
		return nil
	})
	return found
}

// strElem is one string of a list attribute with the expression it came from.
type strElem struct {
	val  string
	expr hcl.Expression
}

// strElems evaluates a list of strings keeping each element's position when
// the list is written literally ([...]); otherwise every element points at
// the whole expression.
func (r *loadRun) strElems(d *decl, a *hcl.Attribute) []strElem {
	if exprs, diags := hcl.ExprList(a.Expr); !diags.HasErrors() {
		out := make([]strElem, 0, len(exprs))
		for _, e := range exprs {
			v, ok := r.evalExpr(d, a.Name, e, cty.String)
			if ok {
				out = append(out, strElem{val: v.AsString(), expr: e})
			}
		}
		return out
	}
	s := r.strOrList(d, a)
	out := make([]strElem, 0, len(s.val))
	for _, v := range s.val {
		out = append(out, strElem{val: v, expr: a.Expr})
	}
	return out
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// attrAliases maps names other tools use (ssh_config, Ansible, docs of
// earlier drafts) to kaudit's attribute, for names too far from it for
// hcl's own edit-distance suggestion.
var attrAliases = map[string]string{
	"use_agent":       "agent",
	"ssh_agent":       "agent",
	"forward_agent":   "agent",
	"identityfile":    "identity_file",
	"key":             "identity_file",
	"private_key":     "identity_file",
	"key_file":        "identity_file",
	"ssh_key":         "identity_file",
	"username":        "user",
	"login":           "user",
	"host":            "address",
	"hostname":        "address",
	"ip":              "address",
	"strict_host_key": "host_key_policy",
	"proxy_jump":      "bastion",
	"jump_host":       "bastion",
}

// aliasHint appends ` Did you mean "x"?` to an "Unsupported argument"
// diagnostic whose name is a known alias and that has no suggestion yet.
func aliasHint(dg *hcl.Diagnostic) {
	if dg.Summary != "Unsupported argument" || strings.Contains(dg.Detail, "Did you mean") {
		return
	}
	const pre = `An argument named "`
	rest, ok := strings.CutPrefix(dg.Detail, pre)
	if !ok {
		return
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return
	}
	if to, ok := attrAliases[strings.ToLower(name)]; ok {
		dg.Detail += fmt.Sprintf(" Did you mean %q?", to)
	}
}

type bastionDecl struct {
	d           *decl
	layer       *layer
	address     setting[string]
	concurrency setting[int]
}

type groupDecl struct {
	d           *decl
	idx         int // declaration order
	layer       *layer
	entries     []groupEntry
	listed      int // entries written, valid or not
	concurrency setting[int]
	referenced  bool // named by a host block's groups
}

type groupEntry struct {
	pat  *hostPattern
	expr hcl.Expression
}

type hostDecl struct {
	d       *decl
	layer   *layer
	address setting[string]
	groups  []strElem
}

// checkName validates a bastion or group name.
func (r *loadRun) checkName(d *decl) {
	if d.name == "" || strings.IndexFunc(d.name, func(c rune) bool { return c > 0x7f || !validHostChar(byte(c)) }) >= 0 {
		r.errAt(d.nameRange, fmt.Sprintf("Invalid %s name", d.kind),
			"%s name %q must be non-empty and use only letters, digits, '-', '_' and '.'.", d.kind, d.name)
	}
}

// checkHostName validates a host block's name: a host name or IP literal,
// without ranges or port (ranges belong in group hosts lists).
func (r *loadRun) checkHostName(d *decl) {
	if _, err := netip.ParseAddr(d.name); err == nil {
		return
	}
	if strings.ContainsAny(d.name, "[]") {
		r.errAt(d.nameRange, "Invalid host name",
			"host %q: ranges are expanded only in a group's hosts list; a host block declares one host.", d.name)
		return
	}
	if strings.Contains(d.name, ":") {
		r.errAt(d.nameRange, "Invalid host name",
			"host %q: give the port with port = N inside the block, not in the name.", d.name)
		return
	}
	if _, err := parseRanges(d.name); err != nil || d.name == "" {
		r.errAt(d.nameRange, "Invalid host name",
			"host name %q must be non-empty and use only letters, digits, '-', '_' and '.' (or be an IP address).", d.name)
	}
}

// decodeBastion decodes a bastion block: its settings layer, address and
// concurrency.
func (r *loadRun) decodeBastion(d *decl) *bastionDecl {
	attrs := r.content(d)
	b := &bastionDecl{d: d, layer: r.decodeLayer(d, attrs)}
	if a := attrs["address"]; a != nil {
		b.address = r.address(d, a)
	} else {
		r.errAt(d.def, "Missing address", "bastion %q needs address = \"HOST\".", d.name)
	}
	if a := attrs["concurrency"]; a != nil {
		b.concurrency = r.integer(d, a, 1, 10000)
	}
	return b
}

// decodeGroup decodes a group block: its settings layer, concurrency and
// hosts entries (each parsed as a host pattern).
func (r *loadRun) decodeGroup(d *decl) *groupDecl {
	attrs := r.content(d)
	g := &groupDecl{d: d, layer: r.decodeLayer(d, attrs)}
	if a := attrs["concurrency"]; a != nil {
		g.concurrency = r.integer(d, a, 1, 100000)
	}
	if a := attrs["hosts"]; a != nil {
		elems := r.strElems(d, a)
		g.listed = len(elems)
		for _, e := range elems {
			pat, err := parseHostPattern(e.val)
			if err != nil {
				ee := err.(*entryError)
				r.errAt(r.narrow(e.expr.Range(), e.val, ee.Off, ee.Len), "Invalid host entry", "%s", ee.Msg)
				continue
			}
			g.entries = append(g.entries, groupEntry{pat: pat, expr: e.expr})
		}
	}
	return g
}

// decodeHost decodes a host block: its settings layer, address and groups.
func (r *loadRun) decodeHost(d *decl) *hostDecl {
	attrs := r.content(d)
	h := &hostDecl{d: d, layer: r.decodeLayer(d, attrs)}
	if a := attrs["address"]; a != nil {
		h.address = r.address(d, a)
	}
	if a := attrs["groups"]; a != nil {
		h.groups = r.strElems(d, a)
	}
	return h
}

// address decodes a host name or IP literal to dial: no port, no brackets.
func (r *loadRun) address(d *decl, a *hcl.Attribute) setting[string] {
	s := r.nonEmpty(d, a)
	if !s.set {
		return s
	}
	v := s.val
	if _, err := netip.ParseAddr(v); err == nil {
		return s
	}
	var why string
	switch {
	case strings.Contains(v, "@"):
		why = "user@host is not supported; set user = \"NAME\" instead"
	case strings.HasPrefix(v, "["):
		why = "write an IPv6 address without brackets and give the port with port = N"
	case strings.Contains(v, ":"):
		why = "give the port with port = N, not in the address"
	case strings.ContainsAny(v, "[]"):
		why = "ranges are expanded only in a group's hosts list"
	default:
		if _, err := parseRanges(v); err != nil {
			why = "use a host name (letters, digits, '-', '_', '.') or an IP address"
		}
	}
	if why != "" {
		r.errAt(s.rng, "Invalid address", "address %q: %s.", v, why)
		return setting[string]{}
	}
	return s
}
