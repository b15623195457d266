# Seed 003: kmem accounting still leaks on CentOS 7.8.2003 / 3.10.0-1127.el7
# (kernel >= 1075 did not help). kubelet v1.15.5 (cgroupfs driver), Docker
# 19.03.14 with containerd.io 1.3.9 and its runc 1.0.0-rc10 (`runc --version`
# verbatim). /proc/cgroups: the seed's `memory 8 65513 1` (tab-separated, as
# the kernel prints it) with only ~90 live memory cgroups: a node at the memcg
# ID limit whose count is mostly zombies. kubepods/memory.kmem.slabinfo holds
# the seed's header; the container cgroups the seed's 38 slab lines (values
# verbatim, columns padded as the kernel pads them). The pod and container IDs
# below are the seed's. The kubelet's "no space left on device" is in
# /var/log/messages, which only root may read.
description = "seed 003: CentOS 7.8 node at the memcg limit (65513), kmem accounting active in kubepods and containers, runc 1.0.0-rc10"
base        = "_centos7"

modes = {
  "/sys/kernel/debug" = "0700"
  "/var/log/messages" = "0600"
}

memcg {
  driver             = "cgroupfs"
  seed               = 1003
  pods               = 18
  containers_per_pod = 2
  services           = ["auditd.service", "chronyd.service", "containerd.service", "crond.service", "dbus.service", "docker.service", "firewalld.service", "irqbalance.service", "kubelet.service", "NetworkManager.service", "polkit.service", "rsyslog.service", "sshd.service", "systemd-journald.service", "systemd-logind.service", "systemd-udevd.service", "tuned.service", "lvm2-lvmetad.service", "kdump.service", "getty@tty1.service", "postfix.service", "rhel-dmesg.service"]
  users              = [0, 1000]

  pod "1f1bdb40-defe-44ad-9138-14f2dbcf3b28" {
    qos = "burstable"
    containers = [
      "0c97468753e9933793457e90e9964e9ef6493daae048eb0841bae634e6d5d326",
      "1b37f9f78f93546e3e4407f03aa84c92e95c99655467e62814ae17e0a0e68686",
      "a578004f702d7b20d4b08d49c08cbb6c3ef2b3d08a62f087f5c7be0d022d9d9d",
    ]
  }
  pod "64def35b-b44e-410d-9782-745bd47834ca" {
    qos        = "burstable"
    containers = [] # the seed shows two container directories without their IDs
  }

  kmem {
    kubepods   = "active"
    pods       = "active"
    containers = "active"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 44
}

expect {
  hostname              = "82.174-zh"
  os_id                 = "centos"
  os_version_id         = "7"
  redhat_release        = "CentOS Linux release 7.8.2003 (Core)"
  kernel_release        = "3.10.0-1127.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 91
  slab_entries          = 186
  nokmem_running        = false
  nokmem_persisted      = false
  memcg_num_cgroups     = 65513
  kubepods_kmem         = "active"
  containers_kmem       = "active"
  runc                  = ["runc 1.0.0-rc10"]
  docker                = "19.03.14"
  containerd            = "1.3.9"
  kubelet               = "v1.15.5"
  kubelet_cgroup_driver = "cgroupfs"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = []
  host_status           = "noncompliant"
  checks = {
    "kmem.kernel"          = "fail"
    "kmem.accounting"      = "fail"
    "kmem.runc"            = "fail"
    "kmem.kubelet"         = "fail"
    "kmem.memcg_headroom"  = "fail"
    "kmem.kernel_log"      = "pass"
    "kmem.risk"            = "fail"
  }
}
