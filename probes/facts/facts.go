// Package facts defines kaudit.facts/v1: the document the collector produces for
// one host and the policies read. It is the contract between probes/ and
// policies/; field names are stable (add, don't rename). docs/facts.md documents
// every field and docs/facts.schema.json validates it.
//
// Conventions:
//   - A nil pointer or an empty value means "not collected"; policies must not
//     read it as "false" or "zero". Why a value is missing is in Sources.
//   - Every section the collector runs has a Source entry keyed by section name
//     (see the Section* constants) telling where it came from, its exit status,
//     whether it was truncated and the error class.
package facts

// Schema is the value of Facts.Schema.
const Schema = "kaudit.facts/v1"

// Section names: keys of Facts.Sources, and the section names of the collector's
// framed output.
const (
	SectionHostname         = "hostname"
	SectionOSRelease        = "os_release"
	SectionRedhatRelease    = "redhat_release"
	SectionOSReleaseKernel  = "kernel_osrelease" // /proc/sys/kernel/osrelease
	SectionProcVersion      = "proc_version"
	SectionVersionSignature = "version_signature"
	SectionCmdline          = "cmdline"
	SectionDefaultGrub      = "default_grub"
	SectionGrubCfg          = "grub_cfg"
	SectionBLS              = "bls_entries"
	SectionGrubenv          = "grubenv"
	SectionGrubby           = "grubby"
	SectionKernelConfig     = "kernel_config"
	SectionMounts           = "cgroup_mounts"
	SectionProcCgroups      = "proc_cgroups"
	SectionCgroupV2         = "cgroup_v2"
	SectionMemcgDirs        = "memcg_dirs"
	SectionKmem             = "kmem"
	SectionSlab             = "sys_kernel_slab"
	SectionMeminfo          = "meminfo"
	SectionBuddyinfo        = "buddyinfo"
	SectionExtfragIndex     = "extfrag_index"
	SectionExtfragThreshold = "extfrag_threshold"
	SectionRunc             = "runc"
	SectionDocker           = "docker"
	SectionContainerd       = "containerd"
	SectionKubelet          = "kubelet"
	SectionKubeletConfig    = "kubelet_config"
	SectionDockerDaemon     = "docker_daemon_json"
	SectionKernelLog        = "kernel_log"
)

// Error classes used in Source.Error and KmemCgroup.Error.
const (
	ErrAbsent     = "absent"        // file or command does not exist
	ErrEIO        = "eio"           // read failed with Input/output error
	ErrPermission = "permission"    // EACCES / EPERM / needs root
	ErrTimeout    = "timeout"       // the command was killed by the collector's timeout
	ErrParse      = "parse"         // collected, but kaudit could not parse it
	ErrOther      = "error"         // any other failure; Source.Message has the text
	ErrNotRun     = "not_collected" // the collector did not reach this section (host cap, interrupted, node budget spent)
	ErrTruncated  = "truncated"     // the section's cap cut it: what was read is not judged
	ErrFork       = "fork"          // the node could not start a process for it (process limit)
)

// Facts is one host's kaudit.facts/v1 document.
type Facts struct {
	Schema      string             `json:"schema"`
	Host        string             `json:"host"`
	CollectedAt string             `json:"collected_at,omitempty"` // RFC 3339, UTC
	Collector   Collector          `json:"collector"`
	Sources     map[string]*Source `json:"sources"`

	Hostname  string    `json:"hostname,omitempty"`
	OS        OS        `json:"os"`
	Kernel    Kernel    `json:"kernel"`
	Boot      Boot      `json:"boot"`
	Cgroup    Cgroup    `json:"cgroup"`
	Kmem      Kmem      `json:"kmem"`
	Memory    Memory    `json:"memory"`
	Runtimes  Runtimes  `json:"runtimes"`
	KernelLog KernelLog `json:"kernel_log"`

	// Predicted lists the fact paths ("kmem.kubepods.state",
	// "runtimes.kubelet.version") that kaudit gate set from an upgrade plan
	// or predicted from the version tables instead of observing them. Empty
	// in collected facts.
	Predicted []string `json:"predicted,omitempty"`
}

// Collector describes the collection run itself.
type Collector struct {
	Version    string `json:"version,omitempty"`   // collector script version
	Transport  string `json:"transport,omitempty"` // "ssh" or "local"
	Shell      string `json:"shell,omitempty"`
	User       string `json:"user,omitempty"` // remote id -un
	Sudo       bool   `json:"sudo"`
	Bytes      int64  `json:"bytes"`     // bytes received
	Truncated  bool   `json:"truncated"` // the host cap cut the output
	DurationMS int64  `json:"duration_ms"`
	Exit       int    `json:"exit"`
	// BudgetS is the node-side budget the collector was given (seconds).
	BudgetS int `json:"budget_s,omitempty"`
	// Watchdogs are the collector's watchdogs that started: "budget,stdin"
	// normally; "none" (or only one) when the node could not fork them, and
	// then a hung command may outlive kaudit's timeout on that node.
	Watchdogs string `json:"watchdogs,omitempty"`
	// Incomplete says why the collection did not run to its end ("" when
	// it did): the host's timeout, an interruption, the node budget, a
	// failed fork, a lost connection. The sections that arrived are kept.
	Incomplete string `json:"incomplete,omitempty"`
}

// Source is the provenance of one section.
type Source struct {
	Source    string `json:"source"`              // path(s) or command run
	Exit      int    `json:"exit"`                // exit status (0 = ok)
	Truncated bool   `json:"truncated,omitempty"` // the per-section cap cut it
	Error     string `json:"error,omitempty"`     // one of the Err* classes, empty when ok
	Message   string `json:"message,omitempty"`   // error text as printed on the host (capped)
}

// OS is /etc/os-release and /etc/redhat-release.
type OS struct {
	ID            string `json:"id,omitempty"` // "centos", "rhel", "ubuntu"
	IDLike        string `json:"id_like,omitempty"`
	VersionID     string `json:"version_id,omitempty"`
	PrettyName    string `json:"pretty_name,omitempty"`
	RedhatRelease string `json:"redhat_release,omitempty"` // "CentOS Linux release 7.5.1804 (Core)"
}

// Kernel describes the running kernel.
type Kernel struct {
	Release          string `json:"release,omitempty"`           // "3.10.0-862.el7.x86_64"
	Version          string `json:"version,omitempty"`           // /proc/version
	VersionSignature string `json:"version_signature,omitempty"` // "Ubuntu 4.4.0-21.37-generic 4.4.6"
	// Family: "rhel7" for 3.10.0-*.el7*, "ubuntu" when a version signature is
	// present, else "upstream"; empty when the release is unknown.
	Family string `json:"family,omitempty"`
	// Upstream is the upstream kernel version X.Y.Z: the signature's last field
	// on Ubuntu, else the leading X.Y.Z of the release.
	Upstream string `json:"upstream,omitempty"`
	// Config holds CONFIG_MEMCG* lines of /boot/config-<release>: name → value
	// ("y", "m", "n" for "is not set").
	Config map[string]string `json:"config,omitempty"`
}

// Boot describes the running command line and the persisted boot configuration.
type Boot struct {
	Cmdline string `json:"cmdline,omitempty"`
	// Params is the running cmdline split into key → value ("" for flags); a
	// repeated key keeps the last value, as the kernel does.
	Params map[string]string `json:"params,omitempty"`
	// Nokmem / MemcgDisabled: cgroup.memory=nokmem and cgroup_disable=memory on
	// the running cmdline. Nil when the cmdline was not read.
	Nokmem        *bool `json:"nokmem,omitempty"`
	MemcgDisabled *bool `json:"memcg_disabled,omitempty"`
	// Persisted: every persisted place that sets kernel arguments, as found.
	Persisted []BootConfig `json:"persisted"`
}

// BootConfig is one persisted kernel command line.
type BootConfig struct {
	Kind          string `json:"kind"`            // "default_grub", "grub_cfg", "bls", "grubenv", "grubby"
	Source        string `json:"source"`          // file path or command
	Entry         string `json:"entry,omitempty"` // menu entry title / BLS title / kernel path
	Default       bool   `json:"default"`         // the entry that boots by default (always true for default_grub, grubenv)
	Args          string `json:"args"`            // the argument string as configured
	Nokmem        bool   `json:"nokmem"`
	MemcgDisabled bool   `json:"memcg_disabled"`
}

// Cgroup describes the cgroup layout.
type Cgroup struct {
	// Mode: "v1" (memory as a v1 hierarchy, no unified memory), "hybrid" (v1
	// memory plus a unified mount), "v2" (unified only), "" when unknown.
	Mode          string   `json:"mode,omitempty"`
	MemoryV1      *bool    `json:"memory_v1,omitempty"`      // memory mounted as a v1 hierarchy
	MemoryMount   string   `json:"memory_mount,omitempty"`   // "/sys/fs/cgroup/memory"
	V2Controllers []string `json:"v2_controllers,omitempty"` // /sys/fs/cgroup/cgroup.controllers
	// Controllers is /proc/cgroups.
	Controllers []CgroupController `json:"controllers,omitempty"`
	// MemoryNumCgroups is the memory row's num_cgroups; nil when unknown.
	MemoryNumCgroups *int `json:"memory_num_cgroups,omitempty"`
	// MemoryLiveDirs is the number of directories under the memory mount; nil when unknown.
	MemoryLiveDirs *int `json:"memory_live_dirs,omitempty"`
}

// CgroupController is a row of /proc/cgroups.
type CgroupController struct {
	Name       string `json:"name"`
	Hierarchy  int    `json:"hierarchy"`
	NumCgroups int    `json:"num_cgroups"`
	Enabled    bool   `json:"enabled"`
}

// Kmem holds the evidence of kmem accounting in the cgroup tree.
type Kmem struct {
	// Kubepods is the kubelet's root (kubepods or kubepods.slice).
	Kubepods *KmemCgroup `json:"kubepods,omitempty"`
	// Containers: a bounded sample of pod and container cgroups below
	// kubepods, under docker/ and system.slice/docker-*.scope.
	Containers []KmemCgroup `json:"containers,omitempty"`
	// Counts over Containers (the sample) plus how many candidate dirs existed.
	ContainersFound    int `json:"containers_found"`
	ContainersSampled  int `json:"containers_sampled"`
	ContainersActive   int `json:"containers_active"`
	ContainersInactive int `json:"containers_inactive"`
	ContainersError    int `json:"containers_error"`
	// SlabEntries: entries in /sys/kernel/slab; nil when unknown.
	SlabEntries *int `json:"slab_entries,omitempty"`
}

// KmemCgroup is the kmem state of one cgroup directory.
type KmemCgroup struct {
	Path string `json:"path"`
	// State: "active" (memory.kmem.slabinfo readable, "slabinfo - version" header),
	// "inactive" (EIO), "absent" (no such cgroup or file), "error" (any other failure).
	State string `json:"state"`
	Error string `json:"error,omitempty"` // error text for "error"
	Kind  string `json:"kind,omitempty"`  // "kubepods", "pod", "container", "docker", "system_slice"
}

// Memory holds /proc/meminfo and fragmentation.
type Memory struct {
	// Meminfo: key → value in kB (as /proc/meminfo prints; HugePages_* are counts).
	Meminfo map[string]int64 `json:"meminfo,omitempty"`
	// Buddyinfo: /proc/buddyinfo rows.
	Buddyinfo []BuddyZone `json:"buddyinfo,omitempty"`
	// ExtfragIndex: /sys/kernel/debug/extfrag/extfrag_index rows.
	ExtfragIndex []ExtfragZone `json:"extfrag_index,omitempty"`
	// ExtfragThreshold: vm.extfrag_threshold; nil when unknown.
	ExtfragThreshold *int `json:"extfrag_threshold,omitempty"`
}

// BuddyZone is a row of /proc/buddyinfo.
type BuddyZone struct {
	Node int     `json:"node"`
	Zone string  `json:"zone"`
	Free []int64 `json:"free"` // free blocks per order, index = order
}

// ExtfragZone is a row of extfrag_index.
type ExtfragZone struct {
	Node  int       `json:"node"`
	Zone  string    `json:"zone"`
	Index []float64 `json:"index"`
}

// Runtimes lists container runtime and kubelet versions.
type Runtimes struct {
	Runc       []Binary `json:"runc"` // every runc found (runc, docker-runc, docker-runc-current, ...)
	Docker     *Binary  `json:"docker,omitempty"`
	Containerd *Binary  `json:"containerd,omitempty"`
	Kubelet    *Binary  `json:"kubelet,omitempty"`
	// CgroupDriver: "cgroupfs" or "systemd" as configured for the kubelet
	// (/var/lib/kubelet/config.yaml cgroupDriver) and docker
	// (/etc/docker/daemon.json exec-opts native.cgroupdriver); "" when unknown.
	KubeletCgroupDriver string `json:"kubelet_cgroup_driver,omitempty"`
	DockerCgroupDriver  string `json:"docker_cgroup_driver,omitempty"`
}

// Binary is a version probe of one executable.
type Binary struct {
	Name    string `json:"name"`              // "runc", "docker-runc-current", "docker", "kubelet"
	Path    string `json:"path,omitempty"`    // resolved path
	Version string `json:"version,omitempty"` // normalised version: "1.0.0-rc10", "18.06.1-ce", "v1.15.5"
	Commit  string `json:"commit,omitempty"`
	Spec    string `json:"spec,omitempty"` // runc's OCI spec version
	// Flavor: for runc "upstream", "projectatomic" (RHEL docker-runc*), "debian"
	// (+ds builds); empty otherwise.
	Flavor string `json:"flavor,omitempty"`
	Raw    string `json:"raw,omitempty"`   // first lines printed, capped
	Error  string `json:"error,omitempty"` // Err* class when the version could not be read
}

// KernelLog summarises leak signatures found in the kernel log.
type KernelLog struct {
	Source string `json:"source,omitempty"` // "dmesg", "journalctl", "/var/log/messages", "/var/log/kern.log"; "" when none readable
	// Signatures: signature id → matches. Only signatures seen are present.
	Signatures map[string]*Signature `json:"signatures,omitempty"`
	Truncated  bool                  `json:"truncated,omitempty"` // counts are lower bounds
	// Complete: at least one source was read to its end (it exited 0, no
	// cap cut it, its timer did not expire). Without it no "nothing found"
	// can be concluded; signatures seen in partial sources still count.
	// Nil in documents from collectors before version 2 (which reported a
	// source only when it was read whole).
	Complete *bool `json:"complete,omitempty"`
	// Scans lists every source tried, in order, with what was scanned.
	Scans []KernelLogScan `json:"scans,omitempty"`
}

// KernelLogScan is one kernel log source as the collector scanned it.
type KernelLogScan struct {
	Source string `json:"source"`
	// Status: "complete", "timeout" (its timer expired: lines so far
	// counted), "truncated" (cut at the byte cap: counts are lower bounds),
	// "budget" (not started: the node budget was spent), "fork", or "failed".
	Status  string `json:"status"`
	Lines   int    `json:"lines"`
	Bytes   int64  `json:"bytes"`
	First   string `json:"first,omitempty"` // the first line scanned (capped): where the span starts
	Last    string `json:"last,omitempty"`  // the last line scanned (capped): where it ends
	Message string `json:"message,omitempty"`
}

// Signature is one leak signature's matches.
type Signature struct {
	Count  int    `json:"count"`
	Latest string `json:"latest"` // the last matching line, capped
}

// Kernel-log signature ids (the domain doc §2).
const (
	SigSlubAlloc   = "slub_alloc_fail"    // SLUB: Unable to allocate memory on node -1
	SigSoftLockup  = "soft_lockup"        // NMI watchdog: BUG: soft lockup - CPU#N stuck
	SigPageAlloc   = "page_alloc_fail"    // page allocation failure: order:N
	SigNfConntrack = "nf_conntrack_cache" // kmem_cache_create(nf_conntrack_*) failed / Unable to create nf_conn slab cache
	SigMemcgOOM    = "memcg_oom"          // Memory cgroup out of memory: Kill process
	SigKmemUsage   = "kmem_usage"         // kmem: usage NNNkB, limit NNNkB, failcnt N
	SigNoSpace     = "cgroup_enospc"      // mkdir /sys/fs/cgroup/memory/...: no space left on device
	SigOCIAlloc    = "oci_runtime_error"  // oci runtime error ... exit status 6 / cannot allocate memory
	SigNoSockets   = "no_more_sockets"    // socket: no more sockets / ICMP6 control socket
)
