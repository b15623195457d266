package sosreport

import (
	"regexp"
	"strings"

	"github.com/kaudit/kaudit/probes/facts"
)

// runcBuild is what a runc commit's build prints as its version, and
// whether it is RHEL's projectatomic fork.
type runcBuild struct {
	version       string
	projectatomic bool
}

var (
	hexCommit = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	// runc's commit line from a git describe ("v1.0.0-rc93-0-g12644e6",
	// docker 20.10's docker info) or a bare release ("v1.1.12").
	// what runc --version prints as its version ("1.0.0-rc8+dev").
	releaseRE  = regexp.MustCompile(`^v?\d+\.\d+\.\d+(?:-rc\d+)?(?:\+[0-9a-z.]+)?$`)
	describeRE = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-rc\d+)?)(?:-(\d+)-g[0-9a-f]{7,40})?$`)
)

// runcFromCommit turns docker info's "runc version" value into the version
// the binary prints: a describe string directly (N commits past a tag is
// "TAG+dev", as runc's VERSION file says between releases), a commit through
// runcCommits (a unique prefix of at least 7 hex digits is enough).
func runcFromCommit(c string) (runcBuild, bool) {
	if m := describeRE.FindStringSubmatch(c); m != nil {
		v := m[1]
		if m[2] != "" && m[2] != "0" {
			v += "+dev"
		}
		return runcBuild{version: v}, true
	}
	c = strings.ToLower(c)
	if !hexCommit.MatchString(c) {
		return runcBuild{}, false
	}
	if b, ok := runcCommits[c]; ok {
		return b, true
	}
	var found runcBuild
	n := 0
	for k, b := range runcCommits {
		if strings.HasPrefix(k, c) {
			found, n = b, n+1
		}
	}
	return found, n == 1
}

// runtimeInfo is what sos's `docker info` says about the runtime.
type runtimeInfo struct {
	src                   string
	defaultRuntime        string
	runc, expected, line  string
	versionRunc, versionC string // docker version's runc component (19.03+)
	versionSrc            string
}

// dockerRuntimeInfo reads the runtime lines of docker info ("Default
// Runtime: docker-runc", "runc version: 66aedde… (expected: 9df8b30…)") and
// the runc block of docker version (" runc:\n  Version: 1.0.0-rc10").
func (t *Tree) dockerRuntimeInfo() *runtimeInfo {
	d := &runtimeInfo{}
	if e := t.firstEntry(dockerInfo...); e != nil {
		d.src = e.src
		for _, l := range strings.Split(string(e.data), "\n") {
			tl := strings.TrimSpace(l)
			if v, ok := strings.CutPrefix(tl, "Default Runtime:"); ok {
				d.defaultRuntime = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(tl, "runc version:"); ok && d.line == "" {
				d.line = clip(tl)
				v, exp, _ := strings.Cut(strings.TrimSpace(v), "(expected:")
				d.runc = strings.TrimSpace(v)
				d.expected = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(exp), ")"))
			}
		}
	}
	if e := t.firstEntry(dockerVersion...); e != nil {
		in := false
		for _, l := range strings.Split(string(e.data), "\n") {
			tl := strings.TrimSpace(l)
			switch {
			case tl == "runc:":
				in = true
			case in && strings.HasPrefix(tl, "Version:"):
				d.versionRunc = strings.TrimSpace(strings.TrimPrefix(tl, "Version:"))
				d.versionSrc = e.src
			case in && strings.HasPrefix(tl, "GitCommit:"):
				d.versionC = strings.TrimSpace(strings.TrimPrefix(tl, "GitCommit:"))
			case in && strings.HasSuffix(tl, ":") && !strings.Contains(tl, " "):
				in = false // the next component (docker-init:)
			}
		}
	}
	if d.src == "" && d.versionSrc == "" {
		return nil
	}
	return d
}

// bundledRunc names the runc a package ships when installed-rpms has no
// runc package: RHEL's docker 1.12/1.13 (docker-runc-current, the
// projectatomic fork), docker-ce/-ee up to 18.06 (docker-runc), containerd.io
// (runc, docker-ce 18.09 and later use it).
func bundledRunc(pkgs map[string]RPM) (name, path string, pkg RPM, projectatomic, ok bool) {
	for _, n := range []string{"docker", "docker-latest"} {
		if p, found := pkgs[n]; found && (strings.HasPrefix(p.Version, "1.13.") || p.Version == "1.12.6") {
			bin := "docker-runc-current"
			if n == "docker-latest" {
				bin = "docker-runc-latest"
			}
			return bin, "/usr/libexec/docker/" + bin, p, true, true
		}
	}
	for _, n := range []string{"docker-ce", "docker-ee"} {
		if p, found := pkgs[n]; found && p.Version < "18.09" && p.Version >= "17.03" {
			return "docker-runc", "/usr/bin/docker-runc", p, false, true
		}
	}
	if p, found := pkgs["containerd.io"]; found {
		return "runc", "/usr/bin/runc", p, false, true
	}
	return "", "", RPM{}, false, false
}

// runcNotes: why a runc version could not be determined, for the runc
// section's source (kmem.runc is then unknown, never pass).
type runcNote struct {
	err, msg, src string
}

// dockerRunc derives the runc docker runs from the report: docker version's
// runc component, else docker info's runc commit, else (RHEL's docker 1.x)
// the docker package, whose docker-runc-current is built from a
// projectatomic/runc branch whose VERSION is 1.0.0-rc2. Without any, or
// with a commit no table entry names, the note says why.
func (t *Tree) dockerRunc(pkgs map[string]RPM, rel string) (*facts.Binary, *runcNote) {
	name, binPath, pkg, pa, bundled := bundledRunc(pkgs)
	in := ""
	if bundled {
		in = " bundled in " + pkg.NVRA
	}
	d := t.dockerRuntimeInfo()
	if d != nil && d.defaultRuntime != "" && d.defaultRuntime != "runc" && d.defaultRuntime != "docker-runc" {
		return nil, &runcNote{facts.ErrNotRun, "docker's default runtime is " + clip(d.defaultRuntime) + ": the runc version docker reports is that runtime's (moby/moby#39944), so runc's is not in this sosreport", d.src}
	}
	if name == "" {
		name, binPath = "runc", "runc"
		if d != nil && d.defaultRuntime == "docker-runc" {
			name, binPath = "docker-runc", "docker-runc"
		}
	}
	flavor := facts.FlavorUpstream
	if pa {
		flavor = facts.FlavorProjectAtomic
	}
	// Path names the evidence and the binary it speaks of.
	bin := func(version, commit, src, raw string) *facts.Binary {
		return &facts.Binary{Name: name, Path: src + ": " + binPath + in, Version: version, Commit: commit, Flavor: flavor, Raw: raw}
	}
	if d != nil && releaseRE.MatchString(d.versionRunc) {
		v := strings.TrimPrefix(d.versionRunc, "v")
		return bin(v, d.versionC, d.versionSrc+" (docker version, runc component: Version "+v+")", "Version: "+v), nil
	}
	if d != nil && d.runc != "" && d.runc != "N/A" {
		if b, ok := runcFromCommit(d.runc); ok {
			if b.projectatomic {
				flavor = facts.FlavorProjectAtomic
			}
			commit := d.runc
			if !hexCommit.MatchString(strings.ToLower(commit)) {
				commit = ""
			}
			return bin(b.version, commit, d.src+" (docker info, runc version "+clip(d.runc)+")", d.line), nil
		}
		if !pa {
			return nil, &runcNote{facts.ErrParse, "docker info's runc version " + clip(d.runc) + " is a commit kaudit cannot map to a runc release" + in + "; run runc --version (or " + name + " --version) on the node", d.src}
		}
	}
	if pa {
		// RHEL's docker 1.12.6/1.13.x: every projectatomic/runc branch it is
		// built from (docker-1.12.2 … docker-1.13.1-rhel) has VERSION 1.0.0-rc2.
		b := bin("1.0.0-rc2", "", rel, pkg.NVRA)
		b.Path = rel + ": " + pkg.NVRA + " bundles " + binPath + " (built from projectatomic/runc, VERSION 1.0.0-rc2)"
		return b, nil
	}
	if bundled {
		why := "docker info shows no runc version"
		if d == nil {
			why = "this sosreport has no docker info or docker version output (sos's docker plugin runs them only while the docker service runs)"
		} else if d.runc == "N/A" {
			why = "docker info could not read it (runc version: N/A)"
		}
		return nil, &runcNote{facts.ErrNotRun, "runc is" + in + " (installed-rpms lists no runc package) and its version is unknown: " + why, rel + ": " + pkg.NVRA}
	}
	return nil, nil
}
