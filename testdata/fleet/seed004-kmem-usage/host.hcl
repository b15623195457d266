# Seed 004: "kubernetes内存泄漏文章分享" on master-29, an old 3.10 node: SLUB
# allocation failures, `kmem: usage ..., limit 9007199254740988kB` (kmem
# accounting on, no kmem limit), memcg OOM kills. The seed shows `dmesg -T`;
# the collector runs plain `dmesg`, so the same messages carry [seconds]
# timestamps. /boot/config-* answers the seed's two greps exactly
# (CONFIG_MEMCG* and kmem). The pod and container IDs are the seed's.
# Versions (not in the seed): CentOS 7.7.1908 / 3.10.0-1062.el7, kubelet
# v1.17.4, Docker 19.03.2 with containerd.io 1.2.10's runc 1.0.0-rc8+dev.
description = "seed 004: SLUB failures, kmem usage lines and memcg OOM kills in dmesg; kmem accounting active"
base        = "_centos7"

modes = {
  "/sys/kernel/debug" = "0700"
}

memcg {
  driver             = "cgroupfs"
  seed               = 1005
  pods               = 24
  containers_per_pod = 2
  services           = ["containerd.service", "docker.service", "kubelet.service", "sshd.service", "crond.service", "rsyslog.service", "systemd-journald.service"]
  users              = [0]

  pod "20edac81-191c-4bc6-b85f-e23a65bc7931" {
    qos = "burstable"
    containers = [
      "47fe2a20f8dabf213dbcd0995ab220c7df41eea7e5ac2f444e2d9dab2a49ed39",
      "26879c55393e26dbccdf7dfba2fcba9d5be00cd92f1be6929c24d9725a2adcdf",
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
  merged = 52
}

expect {
  hostname              = "master-29"
  os_id                 = "centos"
  redhat_release        = "CentOS Linux release 7.7.1908 (Core)"
  kernel_release        = "3.10.0-1062.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 89
  slab_entries          = 194
  nokmem_running        = false
  nokmem_persisted      = false
  memcg_num_cgroups     = 7402
  kubepods_kmem         = "active"
  containers_kmem       = "active"
  runc                  = ["runc 1.0.0-rc8+dev"]
  docker                = "19.03.2"
  containerd            = "1.2.10"
  kubelet               = "v1.17.4"
  kubelet_cgroup_driver = "cgroupfs"
  docker_cgroup_driver  = "cgroupfs"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = ["slub_alloc_fail", "kmem_usage", "memcg_oom"]
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
