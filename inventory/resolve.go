package inventory

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Built-in defaults, used when neither a host, its groups nor the defaults
// block set a value.
const (
	defaultPort               = 22
	defaultTimeout            = 60 * time.Second
	defaultConnectTimeout     = 10 * time.Second
	defaultHostKeyPolicy      = "strict"
	defaultTransport          = "ssh"
	defaultBastionConcurrency = 8
)

// hostRec is a host while the inventory is being built.
type hostRec struct {
	name    string
	address string
	port    int // from a "host:port" entry; 0 = not given
	decl    hcl.Range
	block   *hostDecl
	groups  []int // group indices
}

// declared holds the blocks of one load, by kind, in file order.
type declared struct {
	defaults     *layer
	defaultsDecl *decl
	bastions     []*bastionDecl
	bastionBy    map[string]*bastionDecl
	groups       []*groupDecl
	groupBy      map[string]*groupDecl
	hosts        []*hostDecl
	hostBy       map[string]*hostDecl
	targets      []any // *groupDecl and *hostDecl in file order
	waivers      []*decl
	params       []*decl
	history      []*decl
}

// run decodes and resolves the parsed files. The result is meaningful only
// when r.diags has no errors.
func (r *loadRun) run(files []parsedFile) *Inventory {
	inv := &Inventory{
		Bastions: map[string]*Bastion{},
		Groups:   map[string]*Group{},
		Params:   map[string]any{},
	}
	for _, f := range files {
		inv.Files = append(inv.Files, f.name)
	}
	if !r.checkNumbers(files) {
		return inv // evaluating such a number could take minutes
	}
	ds := r.declare(r.decodeFiles(files))
	r.checkReferences(ds)
	r.buildBastions(inv, ds)
	r.buildGroups(inv, ds)
	r.buildHosts(inv, ds)
	for _, d := range ds.waivers {
		if w := r.decodeWaiver(d, ds); w != nil {
			inv.Waivers = append(inv.Waivers, w)
		}
	}
	r.decodeParams(inv, ds.params)
	r.decodeHistory(inv, ds.history)
	return inv
}

// maxNumberExp bounds the binary exponent of number literals (about
// 1e308): converting a number such as 1e1000000000 to a string would
// print a billion digits.
const maxNumberExp = 1024

// checkNumbers rejects number literals too large to be meaningful and
// reports whether all were fine.
func (r *loadRun) checkNumbers(files []parsedFile) bool {
	ok := true
	for _, f := range files {
		body, isSyntax := f.file.Body.(*hclsyntax.Body)
		if !isSyntax {
			continue
		}
		hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			lit, isLit := n.(*hclsyntax.LiteralValueExpr)
			if !isLit || lit.Val.Type() != cty.Number || lit.Val.IsNull() {
				return nil
			}
			bf := lit.Val.AsBigFloat()
			if exp := bf.MantExp(nil); bf.IsInf() || exp > maxNumberExp || exp < -maxNumberExp {
				r.errAt(lit.SrcRange, "Number out of range", "Numbers in an inventory are limited to about ±1e308.")
				ok = false
			}
			return nil
		})
	}
	return ok
}

// declare decodes every block and rejects duplicate names across files.
func (r *loadRun) declare(decls []*decl) *declared {
	ds := &declared{
		bastionBy: map[string]*bastionDecl{},
		groupBy:   map[string]*groupDecl{},
		hostBy:    map[string]*hostDecl{},
	}
	firsts := map[blockKind]map[string]*decl{kindBastion: {}, kindGroup: {}, kindHost: {}}
	unique := func(d *decl) bool {
		first, dup := firsts[d.kind][d.name]
		if dup {
			r.errAt(d.def, fmt.Sprintf("Duplicate %s %q", d.kind, d.name),
				"%s %q is already declared at %s; each name may be declared once across all inventory files.", d.kind, d.name, Pos(first.def))
			return false
		}
		firsts[d.kind][d.name] = d
		return true
	}
	for _, d := range decls {
		switch d.kind {
		case kindDefaults:
			if ds.defaultsDecl != nil {
				r.errAt(d.def, "Duplicate defaults block",
					"A defaults block is already declared at %s; merge them into one.", Pos(ds.defaultsDecl.def))
				continue
			}
			ds.defaultsDecl = d
			ds.defaults = r.decodeLayer(d, r.content(d))
		case kindBastion:
			r.checkName(d)
			if unique(d) {
				b := r.decodeBastion(d)
				ds.bastions = append(ds.bastions, b)
				ds.bastionBy[d.name] = b
			}
		case kindGroup:
			r.checkName(d)
			if unique(d) {
				g := r.decodeGroup(d)
				g.idx = len(ds.groups)
				ds.groups = append(ds.groups, g)
				ds.groupBy[d.name] = g
				ds.targets = append(ds.targets, g)
			}
		case kindHost:
			r.checkHostName(d)
			if unique(d) {
				h := r.decodeHost(d)
				ds.hosts = append(ds.hosts, h)
				ds.hostBy[d.name] = h
				ds.targets = append(ds.targets, h)
			}
		case kindWaiver:
			ds.waivers = append(ds.waivers, d)
		case kindParams:
			ds.params = append(ds.params, d)
		case kindHistory:
			ds.history = append(ds.history, d)
		}
	}
	return ds
}

// checkReferences reports unknown bastions and groups and bastion cycles.
func (r *loadRun) checkReferences(ds *declared) {
	bastionNames := make([]string, 0, len(ds.bastions))
	for _, b := range ds.bastions {
		bastionNames = append(bastionNames, b.d.name)
	}
	checkBastion := func(l *layer, from string) {
		if l == nil || !l.bastion.set || l.bastion.val == "" || ds.bastionBy[l.bastion.val] != nil {
			return
		}
		hint := didYouMean(l.bastion.val, bastionNames)
		if hint == "" {
			hint = fmt.Sprintf(" Declare it with bastion %q { address = \"...\" }.", l.bastion.val)
		}
		r.errAt(l.bastion.rng, "Unknown bastion", "%s refers to bastion %q, which is not declared.%s", from, l.bastion.val, hint)
	}
	checkBastion(ds.defaults, "defaults")
	for _, b := range ds.bastions {
		checkBastion(b.layer, fmt.Sprintf("bastion %q", b.d.name))
	}
	for _, g := range ds.groups {
		checkBastion(g.layer, fmt.Sprintf("group %q", g.d.name))
	}
	groupNames := make([]string, 0, len(ds.groups))
	for _, g := range ds.groups {
		groupNames = append(groupNames, g.d.name)
	}
	for _, h := range ds.hosts {
		checkBastion(h.layer, fmt.Sprintf("host %q", h.d.name))
		for _, e := range h.groups {
			if g := ds.groupBy[e.val]; g != nil {
				g.referenced = true
				continue
			}
			hint := didYouMean(e.val, groupNames)
			if hint == "" {
				hint = fmt.Sprintf(" Declare it with group %q {}.", e.val)
			}
			r.errAt(e.expr.Range(), "Unknown group", "host %q is a member of group %q, which is not declared.%s", h.d.name, e.val, hint)
		}
	}
	r.checkBastionCycles(ds)
}

// checkBastionCycles follows each bastion's chain of jumps and reports a
// loop once, naming every bastion in it.
func (r *loadRun) checkBastionCycles(ds *declared) {
	const (
		unvisited = iota
		walking
		done
	)
	state := map[string]int{}
	for _, start := range ds.bastions {
		var path []string
		cur := start.d.name
		for cur != "" && state[cur] == unvisited {
			state[cur] = walking
			path = append(path, cur)
			b := ds.bastionBy[cur]
			if b == nil || !b.layer.bastion.set {
				cur = ""
				break
			}
			cur = b.layer.bastion.val
		}
		if cur != "" && state[cur] == walking {
			loop := append(slices.Clone(path[slices.Index(path, cur):]), cur)
			at := ds.bastionBy[loop[len(loop)-2]]
			r.errAt(at.layer.bastion.rng, "Bastion cycle",
				"Bastions jump through each other in a loop: %s. The outermost bastion must be dialled directly (no bastion argument).",
				strings.Join(loop, " → "))
		}
		for _, p := range path {
			state[p] = done
		}
	}
}

func (r *loadRun) buildBastions(inv *Inventory, ds *declared) {
	for _, b := range ds.bastions {
		ls := []*layer{b.layer, ds.defaults}
		inv.Bastions[b.d.name] = &Bastion{
			Name:        b.d.name,
			Address:     b.address.val,
			Port:        pick(ls, getPort, defaultPort),
			Bastion:     b.layer.bastion.val,
			SSH:         r.resolveSSH(ls),
			Concurrency: orDefault(b.concurrency, defaultBastionConcurrency),
			DeclRange:   toRange(b.d.def),
		}
	}
}

func (r *loadRun) buildGroups(inv *Inventory, ds *declared) {
	for _, g := range ds.groups {
		labels := make(map[string]string, len(g.layer.labels))
		for k, v := range g.layer.labels {
			labels[k] = v
		}
		inv.Groups[g.d.name] = &Group{
			Name:        g.d.name,
			Labels:      labels,
			Concurrency: g.concurrency.val,
			Bastion:     g.layer.bastion.val,
			DeclRange:   toRange(g.d.def),
		}
		if g.listed == 0 && !g.referenced {
			r.warnAt(g.d.def, "Empty group",
				"group %q lists no hosts and no host block names it in groups, so it selects nothing.", g.d.name)
		}
	}
}

// buildHosts expands group entries and host blocks in file order into
// hosts, then resolves each host's settings.
func (r *loadRun) buildHosts(inv *Inventory, ds *declared) {
	var recs []*hostRec
	byName := map[string]*hostRec{}
	get := func(name string) (*hostRec, bool) {
		if rec := byName[name]; rec != nil {
			return rec, false
		}
		rec := &hostRec{name: name}
		byName[name] = rec
		recs = append(recs, rec)
		return rec, true
	}
	// The work of expanding all group entries (hosts listed in several
	// groups included) is bounded too.
	limit := r.opts.hostLimit
	maxExpansions := 10 * limit
	expansions := 0
	for _, t := range ds.targets {
		switch t := t.(type) {
		case *groupDecl:
			for _, e := range t.entries {
				n := e.pat.count(limit)
				switch {
				case n > limit:
					r.errAt(e.expr.Range(), "Too many hosts",
						"%q expands to more than %d hosts, the most an inventory may hold. Split the inventory or narrow the range.", e.pat.text, limit)
					return
				case expansions+n > maxExpansions:
					r.errAt(e.expr.Range(), "Too many hosts",
						"With %q the group hosts lists expand to more than %d entries in total (a host listed in several groups counts each time). Split the inventory.", e.pat.text, maxExpansions)
					return
				}
				expansions += n
				at := e.expr.Range()
				e.pat.expand(func(host string) {
					if len(recs) > limit {
						return
					}
					rec, isNew := get(e.pat.name(host))
					if isNew {
						rec.address, rec.port, rec.decl = host, e.pat.port, at
					}
					if k := len(rec.groups); k == 0 || rec.groups[k-1] != t.idx {
						rec.groups = append(rec.groups, t.idx)
					}
				})
				if len(recs) > limit {
					r.errAt(at, "Too many hosts",
						"With %q the inventory holds more than %d hosts. Split the inventory or narrow the range.", e.pat.text, limit)
					return
				}
			}
		case *hostDecl:
			rec, _ := get(t.d.name)
			rec.block, rec.decl = t, t.d.def
			rec.address = t.d.name
			if t.address.set {
				rec.address = t.address.val
			}
			for _, e := range t.groups {
				if g := ds.groupBy[e.val]; g != nil {
					rec.groups = append(rec.groups, g.idx)
				}
			}
			if len(recs) > limit {
				r.errAt(t.d.def, "Too many hosts", "With host %q the inventory holds more than %d hosts. Split the inventory.", t.d.name, limit)
				return
			}
		}
	}
	inv.Hosts = make([]*Host, 0, len(recs))
	for _, rec := range recs {
		inv.Hosts = append(inv.Hosts, r.resolveHost(rec, ds))
	}
	r.checkHosts(inv.Hosts)
}

// resolveHost applies host > groups (file order, first wins) > defaults >
// built-in defaults.
func (r *loadRun) resolveHost(rec *hostRec, ds *declared) *Host {
	slices.Sort(rec.groups)
	rec.groups = slices.Compact(rec.groups)
	ls := make([]*layer, 0, len(rec.groups)+2)
	if rec.block != nil {
		ls = append(ls, rec.block.layer)
	}
	for _, gi := range rec.groups {
		ls = append(ls, ds.groups[gi].layer)
	}
	ls = append(ls, ds.defaults)

	h := &Host{
		Name:      rec.name,
		Address:   rec.address,
		Port:      rec.port,
		Groups:    make([]string, 0, len(rec.groups)),
		Labels:    map[string]string{},
		Bastion:   pick(ls, getBastion, ""),
		Transport: pick(ls, getTransport, defaultTransport),
		SSH:       r.resolveSSH(ls),
		DeclRange: toRange(rec.decl),
	}
	if h.Port == 0 {
		h.Port = pick(ls, getPort, defaultPort)
	}
	// Labels: defaults < groups (the first group wins, as for settings) < host.
	for i := len(ls) - 1; i >= 0; i-- {
		if ls[i] != nil {
			for k, v := range ls[i].labels {
				h.Labels[k] = v
			}
		}
	}
	for _, gi := range rec.groups {
		g := ds.groups[gi]
		h.Groups = append(h.Groups, g.d.name)
		if c := g.concurrency; c.set && (h.Concurrency == 0 || c.val < h.Concurrency) {
			h.Concurrency = c.val
		}
	}
	if h.Transport == "local" {
		h.Bastion = ""
	}
	return h
}

// checkHosts rejects two SSH hosts that dial the same address:port.
func (r *loadRun) checkHosts(hosts []*Host) {
	seen := make(map[string]*Host, len(hosts))
	for _, h := range hosts {
		if h.Transport != "ssh" {
			continue
		}
		key := strings.ToLower(h.Address) + "\x00" + fmt.Sprint(h.Port)
		if first := seen[key]; first != nil {
			r.errAt(r.sourceRange(h.DeclRange), "Duplicate address",
				"host %q dials %s:%d, like host %q declared at %s. List one host in several groups instead of two names for the same target.",
				h.Name, h.Address, h.Port, first.Name, first.DeclRange)
			continue
		}
		seen[key] = h
	}
}

// sourceRange turns a stored position back into an hcl.Range with its byte
// offset, running to the end of that line, so that the diagnostic's snippet
// and its "in <block>" context are those of the position (fromRange's
// offset 0 would show the file's first line).
func (r *loadRun) sourceRange(p Range) hcl.Range {
	rng := fromRange(p)
	src, ok := r.sources[p.Filename]
	if !ok || p.Line < 1 || p.Column < 1 {
		return rng
	}
	off, line := 0, 1
	for line < p.Line {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return rng
		}
		off += i + 1
		line++
	}
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src) - off
	}
	start := off + min(p.Column-1, end)
	rng.Start.Byte = start
	rng.End = hcl.Pos{Line: p.Line, Column: p.Column + (off + end - start), Byte: off + end}
	return rng
}

// fromRange turns a stored position back into a one-character hcl.Range.
func fromRange(p Range) hcl.Range {
	pos := hcl.Pos{Line: p.Line, Column: p.Column}
	return hcl.Range{Filename: p.Filename, Start: pos, End: pos}
}

func (r *loadRun) resolveSSH(ls []*layer) SSHSettings {
	return SSHSettings{
		// Unset user stays "": the transport takes ssh_config's User, else
		// the local user, as ssh does.
		User:                  pick(ls, func(l *layer) setting[string] { return l.user }, ""),
		IdentityFiles:         slices.Clone(pick(ls, func(l *layer) setting[[]string] { return l.identityFiles }, nil)),
		IdentityPassphraseEnv: pick(ls, func(l *layer) setting[string] { return l.passphraseEnv }, ""),
		Password:              pick(ls, func(l *layer) setting[Secret] { return l.password }, Secret{}),
		UseAgent:              pick(ls, func(l *layer) setting[bool] { return l.agent }, true),
		// Unset known_hosts stays empty: the transport then follows OpenSSH
		// (ssh_config's UserKnownHostsFile, else ~/.ssh/known_hosts, plus
		// the global file), as it does for identity files.
		KnownHosts:     slices.Clone(pick(ls, func(l *layer) setting[[]string] { return l.knownHosts }, nil)),
		HostKeyPolicy:  pick(ls, func(l *layer) setting[string] { return l.hostKeyPolicy }, defaultHostKeyPolicy),
		Timeout:        pick(ls, func(l *layer) setting[time.Duration] { return l.timeout }, defaultTimeout),
		ConnectTimeout: pick(ls, func(l *layer) setting[time.Duration] { return l.connectTimeout }, defaultConnectTimeout),
		Sudo:           pick(ls, func(l *layer) setting[bool] { return l.sudo }, false),
		SSHConfig:      pick(ls, func(l *layer) setting[string] { return l.sshConfig }, ""),
	}
}

func getPort(l *layer) setting[int]         { return l.port }
func getBastion(l *layer) setting[string]   { return l.bastion }
func getTransport(l *layer) setting[string] { return l.transport }

// pick returns the value of the first layer (most specific first) that set
// the setting, or def. Nil layers are skipped.
func pick[T any](ls []*layer, get func(*layer) setting[T], def T) T {
	for _, l := range ls {
		if l == nil {
			continue
		}
		if s := get(l); s.set {
			return s.val
		}
	}
	return def
}

func orDefault[T any](s setting[T], def T) T {
	if s.set {
		return s.val
	}
	return def
}
