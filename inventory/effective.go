package inventory

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// EffectiveHost is the resolved view of one host for `kaudit inventory
// hosts`: plain values, durations as strings, the password redacted.
type EffectiveHost struct {
	Name                  string            `json:"name"`
	Address               string            `json:"address"`
	Port                  int               `json:"port"`
	Transport             string            `json:"transport"`
	Groups                []string          `json:"groups"`
	Labels                map[string]string `json:"labels"`
	Bastion               string            `json:"bastion,omitempty"`
	Concurrency           int               `json:"concurrency,omitempty"`
	User                  string            `json:"user"`
	IdentityFiles         []string          `json:"identity_files"`
	IdentityPassphraseEnv string            `json:"identity_passphrase_env,omitempty"`
	Password              string            `json:"password"` // "<redacted>" or "", never the value
	Agent                 bool              `json:"agent"`
	KnownHosts            []string          `json:"known_hosts"`
	HostKeyPolicy         string            `json:"host_key_policy"`
	Timeout               string            `json:"timeout"`
	ConnectTimeout        string            `json:"connect_timeout"`
	Sudo                  bool              `json:"sudo"`
	SSHConfig             string            `json:"ssh_config"`
	Declared              string            `json:"declared"` // file:line:col
}

// Effective returns the host's effective settings with secrets redacted.
func (h *Host) Effective() EffectiveHost {
	labels := make(map[string]string, len(h.Labels))
	for k, v := range h.Labels {
		labels[k] = v
	}
	return EffectiveHost{
		Name:                  h.Name,
		Address:               h.Address,
		Port:                  h.Port,
		Transport:             h.Transport,
		Groups:                nonNil(h.Groups),
		Labels:                labels,
		Bastion:               h.Bastion,
		Concurrency:           h.Concurrency,
		User:                  h.SSH.User,
		IdentityFiles:         nonNil(h.SSH.IdentityFiles),
		IdentityPassphraseEnv: h.SSH.IdentityPassphraseEnv,
		Password:              h.SSH.Password.String(),
		Agent:                 h.SSH.UseAgent,
		KnownHosts:            nonNil(h.SSH.KnownHosts),
		HostKeyPolicy:         h.SSH.HostKeyPolicy,
		Timeout:               h.SSH.Timeout.String(),
		ConnectTimeout:        h.SSH.ConnectTimeout.String(),
		Sudo:                  h.SSH.Sudo,
		SSHConfig:             h.SSH.SSHConfig,
		Declared:              h.DeclRange.String(),
	}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return slices.Clone(xs)
}

// WriteHostsTable prints one row per host: name, address, port, user,
// transport, bastion, groups, labels, sudo and the authentication methods
// configured (never a secret).
func WriteHostsTable(w io.Writer, hosts []*Host) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESS\tPORT\tUSER\tTRANSPORT\tBASTION\tGROUPS\tLABELS\tSUDO\tAUTH")
	for _, h := range hosts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%t\t%s\n",
			h.Name, h.Address, h.Port, orDash(h.SSH.User), h.Transport, orDash(h.Bastion),
			orDash(strings.Join(h.Groups, ",")), orDash(labelString(h.Labels)), h.SSH.Sudo, orDash(authMethods(h)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write hosts table: %w", err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// labelString renders labels as k=v pairs sorted by key.
func labelString(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ",")
}

// authMethods names the configured SSH authentication methods.
func authMethods(h *Host) string {
	if h.Transport != "ssh" {
		return ""
	}
	var m []string
	if len(h.SSH.IdentityFiles) > 0 {
		m = append(m, "key")
	}
	if h.SSH.UseAgent {
		m = append(m, "agent")
	}
	if h.SSH.Password.IsSet() {
		m = append(m, "password")
	}
	return strings.Join(m, ",")
}

// BastionChain returns the bastions to dial to reach a host whose Bastion
// is name, outermost (dialled directly) first, ending with the bastion
// named. It returns nil for "" or an unknown name; Load guarantees there is
// no cycle.
func (inv *Inventory) BastionChain(name string) []*Bastion {
	var chain []*Bastion
	for name != "" && len(chain) <= len(inv.Bastions) {
		b := inv.Bastions[name]
		if b == nil {
			return nil
		}
		chain = append(chain, b)
		name = b.Bastion
	}
	slices.Reverse(chain)
	return chain
}

// Local returns an inventory with one host, "localhost", using transport
// "local": what `kaudit run` audits when no inventory is given.
func Local() *Inventory {
	return &Inventory{
		Hosts: []*Host{{
			Name:      "localhost",
			Address:   "localhost",
			Port:      defaultPort,
			Groups:    []string{},
			Labels:    map[string]string{},
			Transport: "local",
			SSH: SSHSettings{
				UseAgent:       true,
				HostKeyPolicy:  defaultHostKeyPolicy,
				Timeout:        defaultTimeout,
				ConnectTimeout: defaultConnectTimeout,
			},
		}},
		Bastions: map[string]*Bastion{},
		Groups:   map[string]*Group{},
		Params:   map[string]any{},
	}
}
