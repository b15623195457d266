package facts

import (
	"regexp"
	"strings"
)

// Kernel families (Kernel.Family). docs/facts.md "Kernel families" has the
// table: how each is recognised, its upstream base and the verdict's source.
const (
	FamilyRHEL7    = "rhel7"    // 3.10.0-*.el7*: RHEL 7, CentOS 7, Oracle Linux 7 (RHCK), Scientific Linux 7
	FamilyRHEL     = "rhel"     // 4.18.0-*.el8*, 5.14.0-*.el9*: RHEL 8/9, CentOS Stream, Rocky, Alma, Oracle RHCK
	FamilyUEK      = "uek"      // *.el{6,7,8,9}uek*: Oracle's Unbreakable Enterprise Kernel
	FamilyAmazon   = "amzn"     // *.amzn1*, *.amzn2*, *.amzn2023*: Amazon Linux kernels
	FamilyUbuntu   = "ubuntu"   // /proc/version_signature, or an Ubuntu flavour suffix
	FamilyDebian   = "debian"   // X.Y.0-N-<arch>, /proc/version "... Debian X.Y.Z-N ..."
	FamilySUSE     = "suse"     // X.Y.Z-N[.M]-default/-azure/...: SLES, openSUSE Leap
	FamilyUpstream = "upstream" // a plain X.Y[.Z] release, or elrepo's kernel-ml/kernel-lt builds
	FamilyUnknown  = "unknown"  // none of these: judged unknown, never guessed
)

var (
	reRHEL7    = regexp.MustCompile(`^3\.10\.0-[0-9][0-9.]*\.el7`)
	reRHEL     = regexp.MustCompile(`^(4\.18\.0|5\.14\.0|6\.12\.0)-[0-9][0-9.]*\.el(8|9|10)`)
	reUEK      = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9][0-9.]*\.el[6-9]uek`)
	reAmazon   = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9][0-9.]*\.amzn(1|2|2023)\.`)
	reUbuntu   = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-(generic|lowlatency|aws|azure|gcp|gke|oracle|kvm|ibm)$`)
	reDebian   = regexp.MustCompile(`^[0-9]+\.[0-9]+\.0-[0-9]+(-cloud)?-(amd64|arm64|686|686-pae|rt-amd64)$`)
	reDebianPV = regexp.MustCompile(` Debian ([0-9]+\.[0-9]+\.[0-9]+)-`)
	reSUSE     = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+(\.[0-9]+)*-(default|azure|preempt|rt)$`)
	reElrepo   = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+\.el[6-9]\.elrepo\.`)
	rePlain    = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?(-rc[0-9]+)?\+?$`)
)

// KernelFamilyFrom returns Kernel.Family and Kernel.Upstream from the running
// kernel's release (/proc/sys/kernel/osrelease), Ubuntu's
// /proc/version_signature and /proc/version. The running kernel decides, not
// os-release: CentOS 7 with an elrepo kernel runs an upstream kernel.
// Unrecognised releases are FamilyUnknown with no upstream version.
func KernelFamilyFrom(release, signature, procVersion string) (family, upstream string) {
	if release == "" && signature == "" {
		return "", ""
	}
	if signature != "" {
		f := strings.Fields(signature)
		if len(f) > 0 && isDotted(f[len(f)-1]) {
			return FamilyUbuntu, threePart(f[len(f)-1])
		}
		if release == "" {
			return FamilyUbuntu, ""
		}
		return FamilyUbuntu, threePart(release)
	}
	switch {
	case reRHEL7.MatchString(release):
		return FamilyRHEL7, threePart(release)
	case reUEK.MatchString(release):
		return FamilyUEK, threePart(release)
	case reRHEL.MatchString(release):
		return FamilyRHEL, threePart(release)
	case reAmazon.MatchString(release):
		return FamilyAmazon, threePart(release)
	case reUbuntu.MatchString(release):
		return FamilyUbuntu, threePart(release)
	case reDebian.MatchString(release):
		if m := reDebianPV.FindStringSubmatch(procVersion); m != nil {
			return FamilyDebian, threePart(m[1])
		}
		return FamilyDebian, threePart(release)
	case reSUSE.MatchString(release):
		return FamilySUSE, threePart(release)
	case reElrepo.MatchString(release), rePlain.MatchString(release):
		return FamilyUpstream, threePart(release)
	}
	return FamilyUnknown, ""
}
