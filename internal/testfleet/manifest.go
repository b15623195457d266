package testfleet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsimple"
)

// Faults a fixture host can simulate (Manifest.Fault).
const (
	FaultTarpit       = "tarpit"        // accepts TCP, never speaks SSH
	FaultUnknownKey   = "unknown-key"   // no known_hosts line for its address
	FaultChangedKey   = "changed-key"   // known_hosts holds another key for its address
	FaultRefusesKey   = "refuses-key"   // sshd refuses the client key (AuthorizedKeysFile none)
	FaultHostile      = "hostile"       // escapes, markup, invalid UTF-8 and a huge kernel log
	FaultSudoPassword = "sudo-password" // sudo -n wants a password; the inventory sets sudo = true
)

var knownFaults = []string{"", FaultTarpit, FaultUnknownKey, FaultChangedKey, FaultRefusesKey, FaultHostile, FaultSudoPassword}

// Manifest is a fixture's host.hcl (or host.json): what the harness generates
// at start-up on top of the committed root/ tree, and what a reviewer should
// find on the host. testdata/fleet/README.md documents every field.
type Manifest struct {
	Description string `hcl:"description"`
	// Base names a fixture (a host or a "_" layer) whose root is copied
	// first; this fixture's root/ is laid over it. Only files are inherited,
	// never the manifest.
	Base  string `hcl:"base,optional"`
	Fault string `hcl:"fault,optional"`
	// Sudo makes the generated inventory set sudo = true for this host.
	Sudo bool `hcl:"sudo,optional"`
	// Modes sets permission bits ("0600") of paths in the root (git keeps
	// only the executable bit).
	Modes map[string]string `hcl:"modes,optional"`
	// EIO lists paths that read as "Input/output error" (symlinks to
	// /.kproc/self/mem; the harness mounts a procfs at /.kproc).
	EIO       []string       `hcl:"eio,optional"`
	Files     []FileSpec     `hcl:"file,block"`
	Memcg     *MemcgSpec     `hcl:"memcg,block"`
	Slab      *SlabSpec      `hcl:"slab,block"`
	KernelLog *KernelLogSpec `hcl:"kernel_log,block"`
	Expect    Expect         `hcl:"expect,block"`
}

// FileSpec is a file written at start-up: content with bytes HCL cannot
// express (escapes = true turns \xNN into the byte NN).
type FileSpec struct {
	Path    string `hcl:"path,label"`
	Content string `hcl:"content"`
	Escapes bool   `hcl:"escapes,optional"`
	Mode    string `hcl:"mode,optional"`
}

// MemcgSpec generates the cgroup v1 memory hierarchy under
// /sys/fs/cgroup/memory: one directory per cgroup, each with its
// memory.kmem.slabinfo (content when kmem accounting is active, EIO when not).
type MemcgSpec struct {
	// Driver is the cgroup driver that named the directories: "cgroupfs"
	// (kubepods/burstable/pod<uid>/<id>) or "systemd"
	// (kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/docker-<id>.scope).
	Driver string `hcl:"driver"`
	// Seed makes the generated pod UIDs and container IDs reproducible.
	Seed int64 `hcl:"seed,optional"`
	// Kubepods: whether the kubelet's hierarchy exists (default true when
	// there are pods).
	Kubepods         *bool     `hcl:"kubepods,optional"`
	Pods             int       `hcl:"pods,optional"`               // generated pods besides the pod blocks
	ContainersPerPod int       `hcl:"containers_per_pod,optional"` // containers of each generated pod
	Docker           int       `hcl:"docker,optional"`             // containers under /docker/<id> (docker run, cgroupfs)
	DockerScopes     int       `hcl:"docker_scopes,optional"`      // containers under /system.slice/docker-<id>.scope
	Services         []string  `hcl:"services,optional"`           // system.slice/<unit>
	Users            []int     `hcl:"users,optional"`              // user.slice/user-<uid>.slice
	PodList          []PodSpec `hcl:"pod,block"`
	Kmem             KmemSpec  `hcl:"kmem,block"`
}

// PodSpec is a pod with given (seed-verbatim) IDs.
type PodSpec struct {
	UID        string   `hcl:"uid,label"`
	QoS        string   `hcl:"qos,optional"` // "burstable" (default), "besteffort", "guaranteed"
	Containers []string `hcl:"containers,optional"`
}

// KmemSpec says what memory.kmem.slabinfo holds in each kind of cgroup:
// "active" (the slabinfo content) or "eio".
type KmemSpec struct {
	Kubepods         string `hcl:"kubepods"`                   // kubepods and its QoS children
	Pods             string `hcl:"pods"`                       // pod cgroups
	Containers       string `hcl:"containers"`                 // container cgroups below pods
	Docker           string `hcl:"docker,optional"`            // docker/<id> and docker-<id>.scope (default: Containers)
	Other            string `hcl:"other,optional"`             // root, slices, services (default "eio")
	KubepodsContent  string `hcl:"kubepods_content,optional"`  // file under testdata/fleet
	ContainerContent string `hcl:"container_content,optional"` // file under testdata/fleet
}

// SlabSpec generates /sys/kernel/slab entries.
type SlabSpec struct {
	Names  string   `hcl:"names"`           // file under testdata/fleet: one cache name a line
	Extra  []string `hcl:"extra,optional"`  // more cache names (seed 002's nf_conntrack_ffff…)
	Merged int      `hcl:"merged,optional"` // SLUB merged-cache entries ":t-0000NNN"
}

// KernelLogSpec generates a large kernel log: mostly lines that match no leak
// signature, with Inject lines spread over it (the last one at the very end).
type KernelLogSpec struct {
	Path        string   `hcl:"path"`
	SizeMiB     int      `hcl:"size_mib"`
	Seed        int64    `hcl:"seed,optional"`
	Inject      []string `hcl:"inject"` // \xNN escapes are decoded
	LongLineKiB int      `hcl:"long_line_kib,optional"`
}

// Expect is what a reviewer (and the end-to-end suite) should find on the
// host. Empty / nil fields are not asserted.
type Expect struct {
	Hostname            string            `hcl:"hostname,optional"`
	OSID                string            `hcl:"os_id,optional"`
	OSVersionID         string            `hcl:"os_version_id,optional"`
	PrettyName          string            `hcl:"pretty_name,optional"`
	RedhatRelease       string            `hcl:"redhat_release,optional"`
	KernelRelease       string            `hcl:"kernel_release,optional"`
	KernelFamily        string            `hcl:"kernel_family,optional"`
	CgroupMode          string            `hcl:"cgroup_mode,optional"`
	NokmemRunning       *bool             `hcl:"nokmem_running,optional"`
	NokmemPersisted     *bool             `hcl:"nokmem_persisted,optional"`
	MemcgNumCgroups     *int              `hcl:"memcg_num_cgroups,optional"`
	MemcgDirs           *int              `hcl:"memcg_dirs,optional"` // directories under the memory mount, itself included (find -type d | wc -l)
	SlabEntries         *int              `hcl:"slab_entries,optional"`
	KubepodsKmem        string            `hcl:"kubepods_kmem,optional"`   // "active", "inactive", "absent"
	ContainersKmem      string            `hcl:"containers_kmem,optional"` // "active", "inactive", "none"
	Runc                []string          `hcl:"runc,optional"`            // "<name> <version>" of every runc
	Docker              string            `hcl:"docker,optional"`
	Containerd          string            `hcl:"containerd,optional"`
	Kubelet             string            `hcl:"kubelet,optional"`
	KubeletCgroupDriver string            `hcl:"kubelet_cgroup_driver,optional"`
	DockerCgroupDriver  string            `hcl:"docker_cgroup_driver,optional"`
	KernelLogSource     string            `hcl:"kernel_log_source,optional"`
	KernelLogSignatures []string          `hcl:"kernel_log_signatures,optional"`
	HostStatus          string            `hcl:"host_status,optional"`
	Reason              string            `hcl:"reason,optional"`
	Checks              map[string]string `hcl:"checks,optional"`
}

// Fixture is one directory of testdata/fleet.
type Fixture struct {
	Name     string
	Dir      string // absolute
	Manifest Manifest
}

// IsLayer reports whether the fixture is a shared layer ("_" prefix) rather
// than a host.
func (f *Fixture) IsLayer() bool { return strings.HasPrefix(f.Name, "_") }

var fixtureName = regexp.MustCompile(`^_?[a-z0-9][a-z0-9-]*$`)

// LoadFixtures reads every fixture under dir (layers included) and validates
// the manifests. Fixtures are sorted by name.
func LoadFixtures(dir string) (map[string]*Fixture, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load fixtures: %w", err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("load fixtures: %w", err)
	}
	out := map[string]*Fixture{}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fx := &Fixture{Name: e.Name(), Dir: filepath.Join(abs, e.Name())}
		if !fixtureName.MatchString(fx.Name) {
			errs = append(errs, fmt.Errorf("fixture %q: name must match %s", fx.Name, fixtureName))
			continue
		}
		mf, err := manifestPath(fx.Dir)
		switch {
		case err != nil && fx.IsLayer():
			// A layer needs no manifest.
		case err != nil:
			errs = append(errs, fmt.Errorf("fixture %s: %w", fx.Name, err))
			continue
		default:
			if err := hclsimple.DecodeFile(mf, nil, &fx.Manifest); err != nil {
				errs = append(errs, fmt.Errorf("fixture %s: %w", fx.Name, err))
				continue
			}
		}
		out[fx.Name] = fx
	}
	for _, fx := range out {
		if err := fx.validate(out); err != nil {
			errs = append(errs, fmt.Errorf("fixture %s: %w", fx.Name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// HostNames returns the names of the host fixtures (layers excluded), sorted.
func HostNames(fixtures map[string]*Fixture) []string {
	var names []string
	for n, fx := range fixtures {
		if !fx.IsLayer() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func manifestPath(dir string) (string, error) {
	for _, n := range []string{"host.hcl", "host.json"} {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no host.hcl or host.json")
}

// chain returns the fixture's layers, the deepest base first and fx last.
func (fx *Fixture) chain(all map[string]*Fixture) ([]*Fixture, error) {
	var out []*Fixture
	seen := map[string]bool{}
	for cur := fx; cur != nil; {
		if seen[cur.Name] {
			return nil, fmt.Errorf("base cycle through %s", cur.Name)
		}
		seen[cur.Name] = true
		out = append(out, cur)
		if cur.Manifest.Base == "" {
			break
		}
		next, ok := all[cur.Manifest.Base]
		if !ok {
			return nil, fmt.Errorf("base %q: no such fixture", cur.Manifest.Base)
		}
		cur = next
	}
	slices.Reverse(out)
	return out, nil
}

func (fx *Fixture) validate(all map[string]*Fixture) error {
	m := &fx.Manifest
	if _, err := fx.chain(all); err != nil {
		return err
	}
	if fx.IsLayer() {
		return nil
	}
	if strings.TrimSpace(m.Description) == "" {
		return errors.New("description is empty")
	}
	if !slices.Contains(knownFaults, m.Fault) {
		return fmt.Errorf("fault %q: want one of %q", m.Fault, knownFaults[1:])
	}
	for p, mode := range m.Modes {
		if err := checkRootPath(p); err != nil {
			return fmt.Errorf("modes: %w", err)
		}
		if _, err := parseMode(mode); err != nil {
			return fmt.Errorf("modes %s: %w", p, err)
		}
	}
	for _, p := range m.EIO {
		if err := checkRootPath(p); err != nil {
			return fmt.Errorf("eio: %w", err)
		}
	}
	for _, f := range m.Files {
		if err := checkRootPath(f.Path); err != nil {
			return fmt.Errorf("file: %w", err)
		}
		if f.Mode != "" {
			if _, err := parseMode(f.Mode); err != nil {
				return fmt.Errorf("file %s: %w", f.Path, err)
			}
		}
	}
	if mc := m.Memcg; mc != nil {
		if mc.Driver != "cgroupfs" && mc.Driver != "systemd" {
			return fmt.Errorf("memcg: driver %q: want cgroupfs or systemd", mc.Driver)
		}
		k := mc.Kmem
		for _, s := range []string{k.Kubepods, k.Pods, k.Containers, k.Docker, k.Other} {
			if s != "" && s != "active" && s != "eio" {
				return fmt.Errorf("memcg: kmem state %q: want active or eio", s)
			}
		}
		for _, p := range mc.PodList {
			if !uuidRe.MatchString(p.UID) {
				return fmt.Errorf("memcg: pod %q: not a pod UID", p.UID)
			}
			if p.QoS != "" && p.QoS != "burstable" && p.QoS != "besteffort" && p.QoS != "guaranteed" {
				return fmt.Errorf("memcg: pod %s: qos %q", p.UID, p.QoS)
			}
			for _, c := range p.Containers {
				if !containerIDRe.MatchString(c) {
					return fmt.Errorf("memcg: pod %s: container %q: not a 64-hex id", p.UID, c)
				}
			}
		}
	}
	if kl := m.KernelLog; kl != nil {
		if err := checkRootPath(kl.Path); err != nil {
			return fmt.Errorf("kernel_log: %w", err)
		}
		if kl.SizeMiB < 1 || kl.SizeMiB > 256 {
			return fmt.Errorf("kernel_log: size_mib %d: want 1..256", kl.SizeMiB)
		}
		if len(kl.Inject) == 0 {
			return errors.New("kernel_log: inject is empty")
		}
	}
	return nil
}

var (
	uuidRe        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	containerIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// checkRootPath accepts clean absolute paths inside the fixture root.
func checkRootPath(p string) error {
	if !strings.HasPrefix(p, "/") || filepath.Clean(p) != p || p == "/" || strings.HasPrefix(p, "/.kproc") {
		return fmt.Errorf("path %q: want a clean absolute path below / (not /.kproc)", p)
	}
	return nil
}

func parseMode(s string) (os.FileMode, error) {
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 || v&0o6000 != 0 || !strings.HasPrefix(s, "0") {
		return 0, fmt.Errorf("mode %q: want octal like \"0644\" (no setuid or setgid)", s)
	}
	return os.FileMode(v).Perm() | modeExtra(v), nil
}

// modeExtra keeps the sticky bit (for /tmp-like directories); setuid and
// setgid are refused by design (the chroots must hold no privileged binary).
func modeExtra(v uint64) os.FileMode {
	if v&0o1000 != 0 {
		return os.ModeSticky
	}
	return 0
}

// unescape turns \xNN into the byte NN and \\ into a backslash.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i++
			continue
		}
		if i+3 < len(s) && s[i+1] == 'x' {
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err == nil {
				out = append(out, byte(v))
				i += 3
				continue
			}
		}
		return nil, fmt.Errorf("bad escape at offset %d in %q", i, s)
	}
	return out, nil
}
