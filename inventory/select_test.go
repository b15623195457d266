package inventory

import (
	"slices"
	"strings"
	"testing"
)

const selectSrc = `
group "workers" {
  labels = { role = "worker", env = "prod" }
  hosts  = ["w1", "w2", "w3"]
}
group "canary" {
  labels = { env = "staging" }
  hosts  = ["w3", "c1"]
}
group "databases" {
  labels = { role = "db", env = "prod" }
}
host "db-01" {
  address = "10.1.2.3"
  groups  = ["databases"]
}
`

func TestSelect(t *testing.T) {
	inv := mustLoad(t, selectSrc)
	cases := []struct {
		name   string
		limits []string
		want   []string
		err    string
	}{
		{name: "no limit selects all", want: []string{"w1", "w2", "w3", "c1", "db-01"}},
		{name: "group", limits: []string{"group=canary"}, want: []string{"w3", "c1"}},
		{name: "groups OR", limits: []string{"group=canary", "group=databases"}, want: []string{"w3", "c1", "db-01"}},
		{name: "comma list is the same as repeated flags", limits: []string{"group=canary,group=databases"}, want: []string{"w3", "c1", "db-01"}},
		{name: "label", limits: []string{"label.env=prod"}, want: []string{"w1", "w2", "w3", "db-01"}},
		{name: "same label key OR", limits: []string{"label.role=db", "label.role=worker"}, want: []string{"w1", "w2", "w3", "db-01"}},
		{name: "different kinds AND", limits: []string{"group=workers", "label.env=prod"}, want: []string{"w1", "w2", "w3"}},
		{name: "different label keys AND", limits: []string{"label.env=prod", "label.role=db"}, want: []string{"db-01"}},
		{name: "glob on name", limits: []string{"w*"}, want: []string{"w1", "w2", "w3"}},
		{name: "glob on address", limits: []string{"10.1.*"}, want: []string{"db-01"}},
		{name: "globs OR, AND with group", limits: []string{"w1", "c*", "group=canary"}, want: []string{"c1"}},
		{name: "exact name", limits: []string{"db-01"}, want: []string{"db-01"}},
		{name: "unknown group suggests", limits: []string{"group=wokers"}, err: `no group "wokers" in the inventory. Did you mean "workers"?`},
		{name: "selector matching nothing", limits: []string{"label.env=dev"}, err: `--limit "label.env=dev" matches no host`},
		{name: "glob matching nothing", limits: []string{"web*"}, err: `--limit "web*" matches no host`},
		{name: "combination matching nothing", limits: []string{"group=databases", "w*"}, err: "no host matches all of them"},
		{name: "empty selector", limits: []string{"group=canary,"}, err: "empty selector"},
		{name: "unknown selector key", limits: []string{"role=db"}, err: `"role=db": unknown selector`},
		{name: "bad label key", limits: []string{"label.=x"}, err: "bad label key"},
		{name: "bad glob", limits: []string{"w["}, err: "bad host name glob"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inv.Select(tc.limits)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q (hosts %v)", err, tc.err, hostNames(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names := hostNames(got); !slices.Equal(names, tc.want) {
				t.Errorf("got %v, want %v", names, tc.want)
			}
		})
	}
}
