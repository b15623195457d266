package inventory

import (
	"github.com/hashicorp/hcl/v2"
	"strings"
	"testing"
)

func TestHistoryBlock(t *testing.T) {
	tests := []struct {
		name, src, url, diag string
	}{
		{"sqlite path relative to the file", `history { url = "state/history.db" }`, "state/history.db", ""},
		{"absolute path", `history { url = "/var/lib/kaudit/history.db" }`, "/var/lib/kaudit/history.db", ""},
		{"postgres from env", `history { url = "postgres://kaudit:${env("PGPASS")}@db:5432/kaudit" }`, "postgres://kaudit:pw@db:5432/kaudit", ""},
		{"missing url", `history {}`, "", `Missing required argument`},
		{"empty url", `history { url = " " }`, "", `must not be empty`},
		{"unknown argument", `history {
  url = "h.db"
  path = "x"
}`, "", `Unsupported argument`},
		{"wrong type", `history { url = ["a"] }`, "", `Incorrect value type`},
		{"two blocks", "history { url = \"a.db\" }\nhistory { url = \"b.db\" }", "", `Duplicate history block`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, diags := loadSrcEnv(t, tt.src, map[string]string{"PGPASS": "pw"})
			if tt.diag != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.diag) {
					t.Fatalf("diags = %v, want an error with %q", diags, tt.diag)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("diags = %v", diags)
			}
			if inv.History == nil || inv.History.URL != tt.url || inv.History.DeclRange.Line != 1 {
				t.Fatalf("History = %+v, want url %q", inv.History, tt.url)
			}
		})
	}
	inv, diags := loadSrcEnv(t, `host "a" {}`, nil)
	if diags.HasErrors() || inv.History != nil {
		t.Errorf("no block: History = %+v, %v", inv.History, diags)
	}
}

func loadSrcEnv(t *testing.T, src string, env map[string]string) (*Inventory, hcl.Diagnostics) {
	t.Helper()
	inv, _, diags := LoadBytes(map[string][]byte{"inv.hcl": []byte(src)}, testOpts(env, nil))
	return inv, diags
}
