package sosreport

import (
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
	"github.com/kaudit/kaudit/probes/parse"
)

// RPM is one installed-rpms line split into name, version, release, arch.
type RPM struct {
	NVRA, Name, Version, Release, Arch string
}

// ParseRPM splits "runc-1.0.0-69.rc10.el7_9.x86_64" (the first field of an
// installed-rpms or package-data line); ok is false for anything else.
func ParseRPM(line string) (RPM, bool) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return RPM{}, false
	}
	nvra := f[0]
	dot := strings.LastIndexByte(nvra, '.')
	if dot <= 0 {
		return RPM{}, false
	}
	nvr, arch := nvra[:dot], nvra[dot+1:]
	r := strings.LastIndexByte(nvr, '-')
	if r <= 0 {
		return RPM{}, false
	}
	v := strings.LastIndexByte(nvr[:r], '-')
	if v <= 0 {
		return RPM{}, false
	}
	p := RPM{NVRA: nvra, Name: nvr[:v], Version: nvr[v+1 : r], Release: nvr[r+1:], Arch: arch}
	if p.Name == "" || p.Version == "" || p.Release == "" || p.Arch == "" || len(nvra) > 256 {
		return RPM{}, false
	}
	return p, true
}

// rpms lists the report's installed packages by name (the first of each).
func (t *Tree) rpms() (map[string]RPM, string) {
	for _, rel := range rpmPaths {
		e := t.lookup(rel)
		if e == nil || e.log != nil {
			continue
		}
		out := map[string]RPM{}
		for _, l := range strings.Split(string(e.data), "\n") {
			if p, ok := ParseRPM(l); ok {
				if _, dup := out[p.Name]; !dup {
					out[p.Name] = p
				}
			}
		}
		return out, rel
	}
	return nil, ""
}

// runcVersion: RHEL's runc-1.0.0-69.rc10.el7_9 is runc 1.0.0-rc10 (the rc
// sits in the release); a plain version is the version.
func runcVersion(p RPM) string {
	for _, part := range strings.Split(p.Release, ".") {
		if strings.HasPrefix(part, "rc") && len(part) > 2 && isDigits(part[2:]) {
			return p.Version + "-" + part
		}
	}
	return p.Version
}

// dockerVersion: docker-ce-18.06.1.ce-3.el7 is 18.06.1-ce (the ".ce" of the
// rpm version is the "-ce" of docker --version); docker-1.13.1-203... is 1.13.1.
func dockerRPMVersion(p RPM) string {
	for _, suf := range []string{".ce", ".ee"} {
		if v, ok := strings.CutSuffix(p.Version, suf); ok {
			return v + "-" + suf[1:]
		}
	}
	return p.Version
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// rpmVersions fills the runtimes sos ran no --version for: docker from sos's
// "docker version" output, then runc, docker, containerd and the kubelet
// from installed-rpms. The binary's path names where the version came from
// ("installed-rpms: runc-1.0.0-69.rc10.el7_9.x86_64"), as does the section's
// source.
func (t *Tree) rpmVersions(f *facts.Facts) {
	if v, src := t.dockerVersion(); v != "" {
		f.Runtimes.Docker = &facts.Binary{Name: "docker", Path: src, Version: v}
		f.Sources[facts.SectionDocker] = &facts.Source{Source: src}
	}
	pkgs, rel := t.rpms()
	if pkgs == nil {
		return
	}
	set := func(section string, bin facts.Binary, p RPM) {
		bin.Path = rel + ": " + p.NVRA
		bin.Raw = p.NVRA
		f.Sources[section] = &facts.Source{Source: bin.Path}
		switch section {
		case facts.SectionRunc:
			f.Runtimes.Runc = append(f.Runtimes.Runc, bin)
		case facts.SectionDocker:
			f.Runtimes.Docker = &bin
		case facts.SectionContainerd:
			f.Runtimes.Containerd = &bin
		case facts.SectionKubelet:
			f.Runtimes.Kubelet = &bin
		}
	}
	p, rpmRunc := pkgs["runc"]
	if rpmRunc {
		set(facts.SectionRunc, facts.Binary{Name: "runc", Version: runcVersion(p), Flavor: facts.FlavorUpstream}, p)
	}
	// The runc docker runs when a package bundles it (docker-ce's
	// docker-runc, RHEL's docker-runc-current, containerd.io's runc); the
	// runc package's own binary is the same /usr/bin/runc.
	if b, note := t.dockerRunc(pkgs, rel); b != nil && !(rpmRunc && b.Name == "runc") {
		f.Runtimes.Runc = append(f.Runtimes.Runc, *b)
		if !rpmRunc {
			f.Sources[facts.SectionRunc] = &facts.Source{Source: b.Path}
		}
	} else if note != nil && !rpmRunc {
		f.Sources[facts.SectionRunc] = &facts.Source{Source: "sosreport:" + strings.TrimPrefix(note.src, "sosreport:"), Exit: -1, Error: note.err, Message: note.msg}
	}
	if f.Runtimes.Docker == nil {
		for _, n := range []string{"docker-ce", "docker-ee", "docker", "moby-engine"} {
			if p, ok := pkgs[n]; ok {
				set(facts.SectionDocker, facts.Binary{Name: "docker", Version: dockerRPMVersion(p)}, p)
				break
			}
		}
	}
	if f.Runtimes.Containerd == nil {
		for _, n := range []string{"containerd.io", "containerd"} {
			if p, ok := pkgs[n]; ok {
				set(facts.SectionContainerd, facts.Binary{Name: "containerd", Version: p.Version}, p)
				break
			}
		}
	}
	if p, ok := pkgs["kubelet"]; ok && f.Runtimes.Kubelet == nil {
		set(facts.SectionKubelet, facts.Binary{Name: "kubelet", Version: "v" + p.Version}, p)
	}
	parse.RHELDockerRunc(f.Runtimes.Runc, f.Runtimes.Docker)
}
