package parse

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// binaryFromSource fills Name and Path from a section source
// ("/usr/bin/runc --version").
func binaryFromSource(source string) facts.Binary {
	path, _, _ := strings.Cut(source, " ")
	name := path[strings.LastIndexByte(path, '/')+1:]
	b := facts.Binary{Name: clean(name, MaxValue)}
	if strings.HasPrefix(path, "/") {
		b.Path = clean(path, MaxValue)
	}
	return b
}

// rawOf is the first lines of a version output, capped.
func rawOf(body []byte) string {
	return clean(strings.TrimSpace(string(body)), MaxRaw)
}

// ParseRunc parses `runc --version` ("runc version 1.0.0-rc10", "commit: …",
// "spec: …"; rc93+ adds go: and libseccomp: lines). Flavor: projectatomic for
// RHEL's docker-runc-current (or anything under /usr/libexec/docker), debian
// for "+ds" builds, else upstream.
func ParseRunc(source string, body []byte) (facts.Binary, error) {
	b := binaryFromSource(source)
	b.Raw = rawOf(body)
	for _, l := range lines(body) {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "runc version "):
			b.Version = clean(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(l, "runc version ")), "v"), MaxValue)
			if f := strings.Fields(b.Version); len(f) > 0 {
				b.Version = f[0]
			}
		case strings.HasPrefix(l, "commit:"):
			b.Commit = clean(strings.TrimSpace(strings.TrimPrefix(l, "commit:")), MaxValue)
		case strings.HasPrefix(l, "spec:"):
			b.Spec = clean(strings.TrimSpace(strings.TrimPrefix(l, "spec:")), MaxValue)
		}
	}
	switch {
	case b.Name == "docker-runc-current" || strings.HasPrefix(b.Path, "/usr/libexec/docker/"):
		// RHEL's docker package ships the projectatomic fork under these names.
		// docker-ce's bundled "docker-runc" is upstream runc renamed: Build
		// reclassifies it only next to RHEL's docker 1.x (RHELDockerRunc).
		b.Flavor = facts.FlavorProjectAtomic
	case strings.Contains(b.Version, "+ds"):
		b.Flavor = facts.FlavorDebian
	default:
		b.Flavor = facts.FlavorUpstream
	}
	if b.Version == "" {
		return b, fmt.Errorf("runc: no \"runc version\" line")
	}
	return b, nil
}

// ParseDocker parses `docker --version` / `dockerd --version`:
// "Docker version 18.06.1-ce, build e68fc7a" → 18.06.1-ce, e68fc7a;
// RHEL "Docker version 1.13.1, build 07f3374/1.13.1" → 1.13.1, 07f3374.
func ParseDocker(source string, body []byte) (facts.Binary, error) {
	b := binaryFromSource(source)
	b.Raw = rawOf(body)
	for _, l := range lines(body) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Docker version ")
		if !ok {
			continue
		}
		v, build, _ := strings.Cut(rest, ",")
		b.Version = clean(strings.TrimSpace(v), MaxValue)
		if c, ok := strings.CutPrefix(strings.TrimSpace(build), "build "); ok {
			c, _, _ = strings.Cut(c, "/")
			b.Commit = clean(strings.TrimSpace(c), MaxValue)
		}
		return b, nil
	}
	return b, fmt.Errorf("docker: no \"Docker version\" line")
}

// ParseContainerd parses `containerd --version`: "containerd <package>
// <version> <revision>", e.g. "containerd containerd.io 1.6.21 3dce8eb…".
func ParseContainerd(source string, body []byte) (facts.Binary, error) {
	b := binaryFromSource(source)
	b.Raw = rawOf(body)
	for _, l := range lines(body) {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == "containerd" {
			b.Version = clean(f[2], MaxValue)
			if len(f) >= 4 {
				b.Commit = clean(f[3], MaxValue)
			}
			return b, nil
		}
	}
	return b, fmt.Errorf("containerd: no version line")
}

// ParseKubelet parses `kubelet --version`: "Kubernetes v1.15.5" → v1.15.5.
func ParseKubelet(source string, body []byte) (facts.Binary, error) {
	b := binaryFromSource(source)
	b.Raw = rawOf(body)
	for _, l := range lines(body) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Kubernetes "); ok {
			if f := strings.Fields(v); len(f) > 0 && strings.HasPrefix(f[0], "v") {
				b.Version = clean(f[0], MaxValue)
				return b, nil
			}
		}
	}
	return b, fmt.Errorf("kubelet: no \"Kubernetes vX\" line")
}

// ParseKubeletDriver parses the filtered kubelet configuration lines:
// `cgroupDriver: systemd` (config.yaml) or `--cgroup-driver=systemd` (flags
// files). fromFlag tells which.
func ParseKubeletDriver(body []byte) (driver string, fromFlag bool) {
	for _, l := range lines(body) {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			continue
		}
		if i := strings.Index(t, "--cgroup-driver"); i >= 0 {
			v := strings.TrimLeft(t[i+len("--cgroup-driver"):], "= ")
			if d := driverWord(v); d != "" {
				driver, fromFlag = d, true
			}
			continue
		}
		if v, ok := strings.CutPrefix(t, "cgroupDriver:"); ok && !fromFlag {
			if d := driverWord(v); d != "" {
				driver = d
			}
		}
	}
	return driver, fromFlag
}

func driverWord(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimLeft(v, `"'`)
	end := strings.IndexAny(v, "\"' \t")
	if end >= 0 {
		v = v[:end]
	}
	switch v {
	case "systemd", "cgroupfs":
		return v
	}
	return ""
}

// ParseDockerDaemon parses /etc/docker/daemon.json: the native.cgroupdriver
// exec-opt ("" when not configured).
func ParseDockerDaemon(body []byte) (string, error) {
	var cfg struct {
		ExecOpts []string `json:"exec-opts"`
	}
	if err := json.Unmarshal(body, &cfg); err != nil {
		return "", fmt.Errorf("daemon.json: %w", err)
	}
	driver := ""
	for _, o := range cfg.ExecOpts {
		k, v, ok := strings.Cut(o, "=")
		if ok && strings.TrimSpace(k) == "native.cgroupdriver" {
			driver = clean(strings.TrimSpace(v), MaxValue)
		}
	}
	return driver, nil
}

// RHELDockerRunc reclassifies a plain "docker-runc" as the projectatomic fork
// when the docker beside it is RHEL's docker 1.x ("Docker version 1.13.1,
// build 07f3374/1.13.1"). docker-ce and docker-ee (versions 17.03 and later)
// bundle upstream runc under the same name, which switches kmem on (seed 000),
// so without a RHEL docker the name alone proves nothing.
func RHELDockerRunc(runcs []facts.Binary, docker *facts.Binary) {
	if docker == nil || !strings.HasPrefix(docker.Version, "1.") {
		return
	}
	for i := range runcs {
		if runcs[i].Name == "docker-runc" && runcs[i].Flavor == facts.FlavorUpstream {
			runcs[i].Flavor = facts.FlavorProjectAtomic
		}
	}
}
