package facts

// Sections lists every section the collector prints (the Section*
// constants), in the order it prints them: the one list that the parser
// (which marks the ones it never saw as not collected), the collector's
// tests and docs/facts.md go by.
func Sections() []string {
	return []string{
		SectionHostname, SectionOSRelease, SectionRedhatRelease,
		SectionOSReleaseKernel, SectionProcVersion, SectionVersionSignature,
		SectionCmdline, SectionDefaultGrub, SectionGrubCfg, SectionBLS,
		SectionGrubenv, SectionGrubby, SectionKernelConfig, SectionMounts,
		SectionProcCgroups, SectionCgroupV2, SectionMemcgDirs, SectionKmem,
		SectionSlab, SectionMeminfo, SectionBuddyinfo, SectionExtfragIndex,
		SectionExtfragThreshold, SectionRunc, SectionDocker, SectionContainerd,
		SectionKubelet, SectionKubeletConfig, SectionDockerDaemon, SectionKernelLog,
	}
}
