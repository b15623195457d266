package inventory

import (
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// History is the inventory's history block: where kaudit run, eval, gate
// and the history commands record and read the run history
// (docs/history.md). --history overrides it.
type History struct {
	// URL is a postgres:// URL or a SQLite file path; a relative path is
	// relative to the inventory file that declares it. It may hold a
	// password (use env("...")): print it only through the history
	// package, which redacts it.
	URL       string
	DeclRange Range
}

var historySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "url", Required: true}}}

// decodeHistory decodes the (at most one) history block.
func (r *loadRun) decodeHistory(inv *Inventory, decls []*decl) {
	for i, d := range decls {
		if i > 0 {
			r.errAt(d.def, "Duplicate history block", "only one history block is allowed; the first is at %s.", Pos(decls[0].def))
			continue
		}
		c, diags := d.body.Content(historySchema)
		r.diags = append(r.diags, diags...)
		a, ok := c.Attributes["url"]
		if !ok {
			continue
		}
		s := r.nonEmpty(d, a)
		if !s.set {
			continue
		}
		u := strings.TrimSpace(s.val)
		if !strings.Contains(u, "://") && !strings.HasPrefix(u, "file:") && !filepath.IsAbs(u) {
			u = filepath.Join(filepath.Dir(d.def.Filename), u)
		}
		inv.History = &History{URL: u, DeclRange: toRange(d.def)}
	}
}
