package policies

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kaudit/kaudit/probes/facts"
)

// familyExample is one example release of docs/facts.md "Kernel families":
// the inputs kaudit recognises it by, and what it must become.
type familyExample struct {
	sig, procVersion string // /proc/version_signature, /proc/version
	family, upstream string
	kernel           string // kmem.kernel on a cgroup v1 node
	release          string // the release when the key is not one (Ubuntu's signature)
}

// familyExamples: every release the table quotes (its "examples" column,
// also the upstream-base and verdict columns' boundary cases), keyed by the
// release as the table writes it. Debian's examples get their /proc/version
// (the point release is in it), Ubuntu's its version_signature.
var familyExamples = map[string]familyExample{
	// rhel7
	"3.10.0-1160.el7.x86_64":           {"", "", facts.FamilyRHEL7, "3.10.0", StatusFail, ""},
	"3.10.0-1160.105.1.0.1.el7.x86_64": {"", "", facts.FamilyRHEL7, "3.10.0", StatusFail, ""},
	// rhel
	"4.18.0-553.el8_10.x86_64":     {"", "", facts.FamilyRHEL, "4.18.0", StatusPass, ""},
	"5.14.0-427.13.1.el9_4.x86_64": {"", "", facts.FamilyRHEL, "5.14.0", StatusPass, ""},
	// uek R3 .. R7
	"3.8.13-118.48.1.el7uek":    {"", "", facts.FamilyUEK, "3.8.13", StatusFail, ""},
	"4.1.12-124.48.6.el7uek":    {"", "", facts.FamilyUEK, "4.1.12", StatusFail, ""},
	"4.14.35-2047.510.5.el7uek": {"", "", facts.FamilyUEK, "4.14.35", StatusPass, ""},
	"5.4.17-2136.300.7.el8uek":  {"", "", facts.FamilyUEK, "5.4.17", StatusPass, ""},
	"5.15.0-200.131.27.el9uek":  {"", "", facts.FamilyUEK, "5.15.0", StatusPass, ""},
	// amzn
	"4.14.256-197.484.amzn2.x86_64":   {"", "", facts.FamilyAmazon, "4.14.256", StatusPass, ""},
	"5.10.228-219.884.amzn2.x86_64":   {"", "", facts.FamilyAmazon, "5.10.228", StatusPass, ""},
	"6.1.115-126.197.amzn2023.x86_64": {"", "", facts.FamilyAmazon, "6.1.115", StatusPass, ""},
	// ubuntu: the signature decides
	"Ubuntu 4.4.0-210.242-generic 4.4.262": {sig: "Ubuntu 4.4.0-210.242-generic 4.4.262", family: facts.FamilyUbuntu, upstream: "4.4.262", kernel: StatusPass, release: "4.4.0-210-generic"},
	// debian
	"3.16.0-11-amd64": {"", "Linux version 3.16.0-11-amd64 (debian-kernel@lists.debian.org) (gcc version 4.9.2 (Debian 4.9.2-10+deb8u2) ) #1 SMP Debian 3.16.84-1 (2020-06-09)", facts.FamilyDebian, "3.16.84", StatusFail, ""},
	"4.9.0-13-amd64":  {"", "Linux version 4.9.0-13-amd64 (debian-kernel@lists.debian.org) (gcc version 6.3.0 20170516 (Debian 6.3.0-18+deb9u1) ) #1 SMP Debian 4.9.228-1 (2020-07-05)", facts.FamilyDebian, "4.9.228", StatusPass, ""},
	"4.19.0-27-amd64": {"", "Linux version 4.19.0-27-amd64 (debian-kernel@lists.debian.org) (gcc version 8.3.0 (Debian 8.3.0-6)) #1 SMP Debian 4.19.316-1 (2024-06-25)", facts.FamilyDebian, "4.19.316", StatusPass, ""},
	// suse
	"4.12.14-122.37-default": {"", "", facts.FamilySUSE, "4.12.14", StatusPass, ""},
	"5.3.18-57-default":      {"", "", facts.FamilySUSE, "5.3.18", StatusPass, ""},
	// upstream
	"4.9.337":                     {"", "", facts.FamilyUpstream, "4.9.337", StatusPass, ""},
	"5.4.278-1.el7.elrepo.x86_64": {"", "", facts.FamilyUpstream, "5.4.278", StatusPass, ""},
	"5.10.133+":                   {"", "", facts.FamilyUpstream, "5.10.133", StatusPass, ""},
	// unknown: never guessed, the release quoted
	"5.15.0-1025-custom-build": {"", "", facts.FamilyUnknown, "", StatusUnknown, ""},
}

// familyBoundaries: releases the table's recognised-by and verdict columns
// name without a full example (the flavours, the backport boundaries, SLES
// 12 SP1, RHEL 6), so every row's rule is exercised on both sides.
var familyBoundaries = map[string]familyExample{
	"6.12.0-55.9.1.el10_0.x86_64":           {"", "", facts.FamilyRHEL, "6.12.0", StatusPass, ""},
	"4.14.355-196.647.amzn1.x86_64":         {"", "", facts.FamilyAmazon, "4.14.355", StatusPass, ""},
	"4.4.0-21-generic":                      {"Ubuntu 4.4.0-21.37-generic 4.4.6", "", facts.FamilyUbuntu, "4.4.6", StatusFail, ""}, // xenial GA, before 4.4.18
	"4.4.0-1128-aws":                        {"Ubuntu 4.4.0-1128.142-aws 4.4.18", "", facts.FamilyUbuntu, "4.4.18", StatusPass, ""},
	"5.4.0-1090-gke":                        {"", "", facts.FamilyUbuntu, "5.4.0", StatusPass, ""}, // no signature: the flavour suffix
	"4.15.0-213-lowlatency":                 {"", "", facts.FamilyUbuntu, "4.15.0", StatusPass, ""},
	"4.19.0-27-cloud-amd64":                 {"", "", facts.FamilyDebian, "4.19.0", StatusPass, ""},
	"3.12.74-60.64.40-default":              {"", "", facts.FamilySUSE, "3.12.74", StatusFail, ""}, // SLES 12 SP1
	"5.14.21-150500.55.83-azure":            {"", "", facts.FamilySUSE, "5.14.21", StatusPass, ""},
	"4.4.17":                                {"", "", facts.FamilyUpstream, "4.4.17", StatusFail, ""},
	"4.4.18":                                {"", "", facts.FamilyUpstream, "4.4.18", StatusPass, ""},
	"4.6.5":                                 {"", "", facts.FamilyUpstream, "4.6.5", StatusFail, ""},
	"4.6.6-1.el7.elrepo.x86_64":             {"", "", facts.FamilyUpstream, "4.6.6", StatusPass, ""},
	"4.7.0":                                 {"", "", facts.FamilyUpstream, "4.7.0", StatusPass, ""},
	"3.18.140-1.el7.elrepo.x86_64":          {"", "", facts.FamilyUpstream, "3.18.140", StatusFail, ""},
	"2.6.32-754.el6.x86_64":                 {"", "", facts.FamilyUnknown, "", StatusUnknown, ""},
	"4.19.112-custom.x86_64":                {"", "", facts.FamilyUnknown, "", StatusUnknown, ""},
	"3.10.0-1160.el7.x86_64.debug-unsigned": {"", "", facts.FamilyRHEL7, "3.10.0", StatusFail, ""},
}

// TestKernelFamilyDocTable: every example release in docs/facts.md's
// "Kernel families" table, and the boundary cases of its rules, is
// recognised as its row says and gets its row's verdict through the pack
// (kmem.kernel and kmem.risk on an otherwise identical cgroup v1 node with
// kmem accounting active). A row added to the table without a fixture here
// fails the test.
func TestKernelFamilyDocTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/facts.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "## Kernel families")
	if !ok {
		t.Fatal(`docs/facts.md has no "## Kernel families"`)
	}
	table, _, _ = strings.Cut(table, "\n## ")
	tick := regexp.MustCompile("`([^`]+)`")
	rows := 0
	for _, l := range strings.Split(table, "\n") {
		cells := strings.Split(l, "|")
		if len(cells) < 7 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		rows++
		fam := strings.Trim(strings.TrimSpace(cells[1]), "`")
		examples := tick.FindAllStringSubmatch(cells[3], -1)
		if len(examples) == 0 {
			t.Errorf("row %s quotes no example release", fam)
		}
		for _, m := range examples {
			ex, ok := familyExamples[m[1]]
			if !ok {
				t.Errorf("row %s: example %q has no fixture in familyExamples", fam, m[1])
				continue
			}
			if ex.family != fam {
				t.Errorf("row %s: example %q is expected as family %q", fam, m[1], ex.family)
			}
		}
	}
	if rows != 9 {
		t.Errorf("the table has %d family rows, the test knows 9 (rhel7, rhel, uek, amzn, ubuntu, debian, suse, upstream, unknown)", rows)
	}

	e := newEngine(t, Options{})
	base := loadFixture(t, "seed003-centos74-kmem-active")
	judge := func(t *testing.T, release string, ex familyExample) {
		rel := release
		if ex.release != "" {
			rel = ex.release
		}
		fam, up := facts.KernelFamilyFrom(rel, ex.sig, ex.procVersion)
		if fam != ex.family || up != ex.upstream {
			t.Fatalf("KernelFamilyFrom(%q, %q, …) = %q, %q; want %q, %q", rel, ex.sig, fam, up, ex.family, ex.upstream)
		}
		f := *base
		f.Kernel = facts.Kernel{Release: rel, Version: ex.procVersion, VersionSignature: ex.sig, Family: fam, Upstream: up}
		f.KernelLog = facts.KernelLog{} // no leak signatures: the kernel alone decides
		rs := byID(t, e.Eval(context.Background(), &f, HostInput{Name: "n"}))
		k, risk := rs["kmem.kernel"], rs["kmem.risk"]
		if k.Status != ex.kernel {
			t.Errorf("kmem.kernel %s (%s), want %s", k.Status, k.Message, ex.kernel)
		}
		switch ex.kernel {
		case StatusUnknown:
			quoted := `kernel family not recognised: release "` + rel + `"`
			if risk.Status != StatusUnknown || !strings.Contains(risk.Message, quoted) {
				t.Errorf("kmem.risk %s (%s), want unknown quoting %s", risk.Status, risk.Message, quoted)
			}
		case StatusPass:
			if risk.Status != StatusPass || !strings.Contains(risk.Message, "not exposed") {
				t.Errorf("kmem.risk %s (%s), want pass: not exposed", risk.Status, risk.Message)
			}
		case StatusFail:
			if risk.Status != StatusFail {
				t.Errorf("kmem.risk %s (%s), want fail", risk.Status, risk.Message)
			}
		}
	}
	for release, ex := range familyExamples {
		t.Run(release, func(t *testing.T) { judge(t, release, ex) })
	}
	for release, ex := range familyBoundaries {
		t.Run(release, func(t *testing.T) { judge(t, release, ex) })
	}
}
