package testfleet

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

const memcgMount = "/sys/fs/cgroup/memory"

// cgroup kinds for the kmem state of memory.kmem.slabinfo.
const (
	kindOther     = "other"
	kindKubepods  = "kubepods"
	kindPod       = "pod"
	kindContainer = "container"
	kindDocker    = "docker"
)

// memcgDir is one generated memory cgroup: its path below the mount ("" is
// the root) and its kind.
type memcgDir struct {
	Path string
	Kind string
}

// memcgLayout lists the directories the spec generates, parents first. It is
// deterministic for a given spec.
func memcgLayout(spec *MemcgSpec) []memcgDir {
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), 0x6b61756469742d66))
	systemd := spec.Driver == "systemd"
	dirs := []memcgDir{{"", kindOther}}
	add := func(p, kind string) { dirs = append(dirs, memcgDir{p, kind}) }

	kubepods := len(spec.PodList) > 0 || spec.Pods > 0
	if spec.Kubepods != nil {
		kubepods = *spec.Kubepods
	}
	if kubepods {
		if systemd {
			add("kubepods.slice", kindKubepods)
			add("kubepods.slice/kubepods-burstable.slice", kindKubepods)
			add("kubepods.slice/kubepods-besteffort.slice", kindKubepods)
		} else {
			add("kubepods", kindKubepods)
			add("kubepods/burstable", kindKubepods)
			add("kubepods/besteffort", kindKubepods)
		}
		pods := append([]PodSpec(nil), spec.PodList...)
		for i := 0; i < spec.Pods; i++ {
			qos := "burstable"
			switch r := rng.IntN(10); {
			case r < 3:
				qos = "besteffort"
			case r < 4:
				qos = "guaranteed"
			}
			pods = append(pods, PodSpec{UID: randomUUID(rng), QoS: qos})
		}
		for _, p := range pods {
			pod := podPath(p, systemd)
			add(pod, kindPod)
			ids := p.Containers
			if len(ids) == 0 {
				for j := 0; j < spec.ContainersPerPod; j++ {
					ids = append(ids, randomHex(rng, 64))
				}
			}
			for _, id := range ids {
				if systemd {
					add(pod+"/docker-"+id+".scope", kindContainer)
				} else {
					add(pod+"/"+id, kindContainer)
				}
			}
		}
	}
	if spec.Docker > 0 {
		add("docker", kindOther)
		for i := 0; i < spec.Docker; i++ {
			add("docker/"+randomHex(rng, 64), kindDocker)
		}
	}
	if len(spec.Services) > 0 || spec.DockerScopes > 0 {
		add("system.slice", kindOther)
		for _, s := range spec.Services {
			add("system.slice/"+s, kindOther)
		}
		for i := 0; i < spec.DockerScopes; i++ {
			add("system.slice/docker-"+randomHex(rng, 64)+".scope", kindDocker)
		}
	}
	if len(spec.Users) > 0 {
		add("user.slice", kindOther)
		for _, uid := range spec.Users {
			add(fmt.Sprintf("user.slice/user-%d.slice", uid), kindOther)
		}
	}
	return dirs
}

func podPath(p PodSpec, systemd bool) string {
	qos := p.QoS
	if qos == "" {
		qos = "burstable"
	}
	if !systemd {
		if qos == "guaranteed" {
			return "kubepods/pod" + p.UID
		}
		return "kubepods/" + qos + "/pod" + p.UID
	}
	uid := strings.ReplaceAll(p.UID, "-", "_")
	if qos == "guaranteed" {
		return "kubepods.slice/kubepods-pod" + uid + ".slice"
	}
	return "kubepods.slice/kubepods-" + qos + ".slice/kubepods-" + qos + "-pod" + uid + ".slice"
}

func randomHex(rng *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(16)]
	}
	return string(b)
}

func randomUUID(rng *rand.Rand) string {
	h := []byte(randomHex(rng, 32))
	h[12] = '4'
	h[16] = "89ab"[rng.IntN(4)]
	s := string(h)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// kmemState returns "active" or "eio" for a kind.
func kmemState(k KmemSpec, kind string) string {
	var s string
	switch kind {
	case kindKubepods:
		s = k.Kubepods
	case kindPod:
		s = k.Pods
	case kindContainer:
		s = k.Containers
	case kindDocker:
		s = k.Docker
		if s == "" {
			s = k.Containers
		}
	default:
		s = k.Other
	}
	if s == "" {
		return "eio"
	}
	return s
}

// generateMemcg writes the memory hierarchy: one directory per cgroup with
// memory.kmem.slabinfo (content or EIO) and memory.limit_in_bytes.
func (b *builder) generateMemcg(fx *Fixture, root string) error {
	spec := fx.Manifest.Memcg
	if spec == nil {
		return nil
	}
	contents := map[string][]byte{}
	load := func(name, def string) ([]byte, error) {
		if name == "" {
			name = def
		}
		if c, ok := contents[name]; ok {
			return c, nil
		}
		c, err := os.ReadFile(filepath.Join(b.fleetDir, name))
		if err != nil {
			return nil, fmt.Errorf("memcg: %w", err)
		}
		contents[name] = c
		return c, nil
	}
	kubepodsContent, err := load(spec.Kmem.KubepodsContent, "_common/slabinfo/kubepods-seed003.txt")
	if err != nil {
		return err
	}
	containerContent, err := load(spec.Kmem.ContainerContent, "_common/slabinfo/container-seed003.txt")
	if err != nil {
		return err
	}
	base := inRoot(root, memcgMount)
	for _, d := range memcgLayout(spec) {
		dir := filepath.Join(base, d.Path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("memcg: %w", err)
		}
		slab := filepath.Join(dir, "memory.kmem.slabinfo")
		if kmemState(spec.Kmem, d.Kind) == "eio" {
			if err := makeEIO(slab); err != nil {
				return fmt.Errorf("memcg: %w", err)
			}
		} else {
			content := kubepodsContent
			if d.Kind == kindContainer || d.Kind == kindDocker {
				content = containerContent
			}
			if err := os.WriteFile(slab, content, 0o444); err != nil {
				return fmt.Errorf("memcg: %w", err)
			}
		}
		limit := "9223372036854771712\n"
		if d.Kind == kindContainer || d.Kind == kindDocker {
			limit = "536870912\n"
		}
		if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(limit), 0o644); err != nil {
			return fmt.Errorf("memcg: %w", err)
		}
	}
	return nil
}

// slabNames returns the /sys/kernel/slab entries a spec generates.
func (b *builder) slabNames(spec *SlabSpec) ([]string, error) { return SlabNames(b.fleetDir, spec) }

// SlabNames returns the /sys/kernel/slab entries a fixture's slab block
// generates (names file, extra names, merged ":t-" entries), in order; the
// sosreport fixtures list them as sos's kernel plugin does.
func SlabNames(fleetDir string, spec *SlabSpec) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(fleetDir, spec.Names))
	if err != nil {
		return nil, fmt.Errorf("slab: %w", err)
	}
	var names []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	for _, e := range spec.Extra {
		n, err := unescape(e)
		if err != nil {
			return nil, fmt.Errorf("slab: %w", err)
		}
		names = append(names, string(n))
	}
	for i := 0; i < spec.Merged; i++ {
		prefix := ":t-"
		if i%4 == 3 {
			prefix = ":at-"
		}
		names = append(names, fmt.Sprintf("%s%07d", prefix, 8*(i+2)))
	}
	for _, n := range names {
		if n == "." || n == ".." || strings.ContainsAny(n, "/\x00") {
			return nil, fmt.Errorf("slab: bad cache name %q", n)
		}
	}
	return names, nil
}

func (b *builder) generateSlab(fx *Fixture, root string) error {
	spec := fx.Manifest.Slab
	if spec == nil {
		return nil
	}
	names, err := b.slabNames(spec)
	if err != nil {
		return err
	}
	dir := inRoot(root, "/sys/kernel/slab")
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(dir, n), 0o755); err != nil {
			return fmt.Errorf("slab: %w", err)
		}
	}
	return nil
}

// benignKernelLines are kernel messages that match no leak signature.
var benignKernelLines = []string{
	"IPv6: ADDRCONF(NETDEV_UP): veth%x: link is not ready",
	"IPv6: ADDRCONF(NETDEV_CHANGE): veth%x: link becomes ready",
	"cni0: port %d(veth%x) entered blocking state",
	"cni0: port %d(veth%x) entered disabled state",
	"cni0: port %d(veth%x) entered forwarding state",
	"device veth%x entered promiscuous mode",
	"device veth%x left promiscuous mode",
	"TCP: request_sock_TCP: Possible SYN flooding on port %d. Sending cookies.  Check SNMP counters.",
	"nf_conntrack: falling back to vmalloc.",
	"XFS (dm-%d): Mounting V5 Filesystem",
	"XFS (dm-%d): Ending clean mount",
	"overlayfs: upper fs does not support tmpfile.",
	"audit: type=1400 audit(%d.512:%d): avc:  denied  { read } for  pid=%d comm=\"node_exporter\" name=\"stat\" dev=\"proc\" ino=%d scontext=system_u:system_r:container_t:s0 tcontext=system_u:object_r:proc_t:s0 tclass=file permissive=1",
	"traps: node[%d] trap invalid opcode ip:%x sp:%x error:0 in node[%x+%x]",
	"perf: interrupt took too long (%d > %d), lowering kernel.perf_event_max_sample_rate to %d",
	"hrtimer: interrupt took %d ns",
	"EXT4-fs (rbd%d): mounted filesystem with ordered data mode. Opts: (null)",
	"rbd: rbd%d: capacity %d features 0x1",
	"libceph: mon%d 10.20.0.%d:6789 session established",
	"IPVS: Creating netns size=2048 id=%d",
}

// generateKernelLog writes spec.SizeMiB of dmesg-format lines: benign ones,
// the Inject lines spread evenly (the last at the very end) and, when asked,
// one very long line in the middle.
func (b *builder) generateKernelLog(fx *Fixture, root string) error {
	spec := fx.Manifest.KernelLog
	if spec == nil {
		return nil
	}
	dst := inRoot(root, spec.Path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("kernel_log: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("kernel_log: %w", err)
	}
	if err := writeKernelLog(f, spec); err != nil {
		f.Close()
		return fmt.Errorf("kernel_log: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("kernel_log: %w", err)
	}
	return nil
}

func writeKernelLog(f *os.File, spec *KernelLogSpec) error {
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), 0x646d657367))
	inject := make([][]byte, len(spec.Inject))
	for i, s := range spec.Inject {
		l, err := unescape(s)
		if err != nil {
			return err
		}
		inject[i] = l
	}
	total := int64(spec.SizeMiB) << 20
	// Inject line i goes out once (i+1)/n of the budget is written.
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	next := 0
	ts := 0.0
	longDone := spec.LongLineKiB == 0
	emit := func(msg []byte) error {
		ts += float64(rng.IntN(400000)) / 1e6
		n, err := fmt.Fprintf(w, "[%12.6f] %s\n", ts, msg)
		written += int64(n)
		return err
	}
	for next < len(inject)-1 || written < total {
		due := next < len(inject)-1 && written >= total*int64(next+1)/int64(len(inject))
		switch {
		case due:
			if err := emit(inject[next]); err != nil {
				return err
			}
			next++
		case !longDone && written >= total/2:
			long := "audit: type=1326 audit(1700000000.000:1): " + strings.Repeat("x", spec.LongLineKiB<<10)
			if err := emit([]byte(long)); err != nil {
				return err
			}
			longDone = true
		default:
			tmpl := benignKernelLines[rng.IntN(len(benignKernelLines))]
			args := make([]any, strings.Count(tmpl, "%"))
			for i := range args {
				args[i] = rng.IntN(1 << 20)
			}
			if err := emit([]byte(fmt.Sprintf(tmpl, args...))); err != nil {
				return err
			}
		}
	}
	if err := emit(inject[len(inject)-1]); err != nil {
		return err
	}
	return w.Flush()
}
