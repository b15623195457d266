# Seed 002: "unable to create nf_conn slab cache". CentOS 7.3.1611,
# 3.10.0-514.el7 (uname verbatim), RHEL/CentOS docker 1.13.1 with the
# projectatomic docker-runc-current (systemd cgroup driver, the RHEL default),
# kubelet v1.9.11 (kubeadm drop-in, --cgroup-driver=systemd; no config.yaml).
#
# What it proves:
# - the kernel log FALLBACK: dmesg is restricted (dmesg_restrict = 1, the stub
#   fails as util-linux does), journalctl is not installed for the collector's
#   user, so the collector must read /var/log/messages, which holds seed 002's
#   lines verbatim (readable: rsyslog here writes 0644). The dockerd "oci
#   runtime error ... exit status 6" is wrapped over three lines in the seed
#   and is kept wrapped.
# - fragmentation: /proc/buddyinfo is the broken node's, verbatim (no free
#   block above order 4 in Normal), extfrag_index and extfrag_threshold
#   verbatim; debugfs is readable here on purpose.
# - slab: 8 per-netns nf_conntrack_ffff… caches in /sys/kernel/slab (and in
#   /proc/slabinfo, 0400 as on a real node) and ~11 GiB of 16 GiB in slab
#   (meminfo derived from the seed's Mem-Info).
# - cgroup evidence: systemd-driver tree, every memory.kmem.slabinfo EIO.
# docker-runc-current's --version text is reconstructed (commit as `docker
# info` reports it on RHEL docker 1.13.1); see the harness report.
description = "seed 002: CentOS 7.3 node, page allocation failure and nf_conn slab cache errors in /var/log/messages, fragmented buddyinfo"
base        = "_centos7"

modes = {
  "/proc/slabinfo" = "0400"
}

memcg {
  driver             = "systemd"
  seed               = 1002
  pods               = 11
  containers_per_pod = 2
  services           = ["docker.service", "kubelet.service", "sshd.service", "crond.service", "rsyslog.service", "tuned.service"]
  users              = [0]

  kmem {
    kubepods   = "eio"
    pods       = "eio"
    containers = "eio"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 35
  extra = [
    "sysfs_dir_cache",
    "nf_conntrack_ffff8803f0b7ba80",
    "nf_conntrack_ffff8802e47f3a80",
    "nf_conntrack_ffff8803eef64e00",
    "nf_conntrack_ffff8803eef61380",
    "nf_conntrack_ffff880360a04e00",
    "nf_conntrack_ffff8803eef63a80",
    "nf_conntrack_ffff8803ff2bce00",
    "nf_conntrack_ffff8802e47f6180",
  ]
}

expect {
  hostname              = "slave-138"
  os_id                 = "centos"
  redhat_release        = "CentOS Linux release 7.3.1611 (Core)"
  kernel_release        = "3.10.0-514.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 46
  slab_entries          = 186
  nokmem_running        = false
  memcg_num_cgroups     = 341
  kubepods_kmem         = "inactive"
  containers_kmem       = "inactive"
  runc                  = ["docker-runc-current 1.0.0-rc2"]
  docker                = "1.13.1"
  kubelet               = "v1.9.11"
  kernel_log_source     = "/var/log/messages"
  kernel_log_signatures = ["page_alloc_fail", "nf_conntrack_cache", "oci_runtime_error"]
  host_status           = "noncompliant"
  checks = {
    "kmem.kernel"        = "fail"
    "kmem.accounting"    = "pass"
    "kmem.kernel_log"    = "fail"
    "kmem.fragmentation" = "fail"
  }
}
