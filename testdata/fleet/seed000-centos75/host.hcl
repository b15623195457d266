# Seed 000: "kernel deadlock caused by kmem counting in k8s". CentOS 7.5.1804,
# 3.10.0-862.el7, kubelet v1.12.3, Docker 18.06.1-ce with its bundled
# docker-runc 1.0.0-rc5+dev (upstream runc at commit 69663f0b, renamed by
# docker-ce: NOT the projectatomic fork of RHEL's docker-runc-current, so
# kmem.runc fails here). kmem accounting is on everywhere (cgroupfs
# driver): kubepods and every container cgroup have a readable
# memory.kmem.slabinfo. dmesg holds seed 000's SLUB / socket / ICMP6 / oops
# lines verbatim after the timestamp; the seed's "CPU#xx" is not a possible
# kernel output, so the soft-lockup line names CPU#14.
description = "seed 000: CentOS 7.5 node, kmem accounting active, SLUB allocation failures and soft lockups in dmesg"
base        = "_centos7"

modes = {
  "/sys/kernel/debug" = "0700"
  "/var/log/messages" = "0600"
}

memcg {
  driver             = "cgroupfs"
  seed               = 1000
  pods               = 13
  containers_per_pod = 2
  services           = ["docker.service", "kubelet.service", "sshd.service", "crond.service", "rsyslog.service", "tuned.service", "systemd-journald.service", "NetworkManager.service"]
  users              = [0]

  # The container named in seed 000's SLUB message (memcg 158).
  pod "3f2c8e91-4a1d-11e9-9c0e-fa163e2b7d45" {
    qos        = "burstable"
    containers = [
      "4c1b0e22ad7e9b16f0c3a1d5e7f9b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a4",
      "8aff71103b350fcc15a20dcad154986160ce07496a9f70fa4aff83e7716b0936",
    ]
  }

  kmem {
    kubepods   = "active"
    pods       = "active"
    containers = "active"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 38
}

expect {
  hostname              = "k8s-node-03"
  os_id                 = "centos"
  os_version_id         = "7"
  pretty_name           = "CentOS Linux 7 (Core)"
  redhat_release        = "CentOS Linux release 7.5.1804 (Core)"
  kernel_release        = "3.10.0-862.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 57
  slab_entries          = 180
  nokmem_running        = false
  nokmem_persisted      = false
  memcg_num_cgroups     = 4188
  kubepods_kmem         = "active"
  containers_kmem       = "active"
  runc                  = ["docker-runc 1.0.0-rc5+dev"]
  docker                = "18.06.1-ce"
  kubelet               = "v1.12.3"
  kubelet_cgroup_driver = "cgroupfs"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = ["slub_alloc_fail", "soft_lockup", "no_more_sockets"]
  host_status           = "noncompliant"
  checks = {
    "kmem.kernel"     = "fail"
    "kmem.accounting" = "fail"
    "kmem.runc"       = "fail"
    "kmem.kubelet"    = "fail"
    "kmem.kernel_log" = "fail"
    "kmem.risk"       = "fail"
  }
}
