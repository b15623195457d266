# Seed 003 after its fix, on the same node (this fixture's base): the kubelet
# rebuilt from v1.15.5 with `GOFLAGS="-v -tags=nokmem"` (its --version is
# still "Kubernetes v1.15.5": only the cgroup evidence shows the nokmem
# build), runc replaced by the v1.0.0-rc95 release binary (which prints no
# commit line), docker 19.03.14 and containerd.io 1.3.9 unchanged, then a
# reboot. kubepods and container memory.kmem.slabinfo give EIO, as the seed's
# `find ... -exec cat {} \;` check expects; the memcg count starts afresh.
# cgroup.memory=nokmem is NOT on the cmdline: runtime mitigation only.
description = "seed 003 fixed: nokmem kubelet build and runc 1.0.0-rc95, every kmem slabinfo EIO, no nokmem boot option"
base        = "seed003-centos78"

modes = {
  "/sys/kernel/debug" = "0700"
  "/var/log/messages" = "0600"
}

memcg {
  driver             = "cgroupfs"
  seed               = 1004
  pods               = 9
  containers_per_pod = 2
  services           = ["containerd.service", "crond.service", "docker.service", "kubelet.service", "rsyslog.service", "sshd.service", "systemd-journald.service", "tuned.service"]
  users              = [0]

  kmem {
    kubepods   = "eio"
    pods       = "eio"
    containers = "eio"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 31
}

expect {
  hostname              = "82.174-zh"
  os_id                 = "centos"
  kernel_release        = "3.10.0-1127.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 42
  slab_entries          = 173
  nokmem_running        = false
  nokmem_persisted      = false
  memcg_num_cgroups     = 47
  kubepods_kmem         = "inactive"
  containers_kmem       = "inactive"
  runc                  = ["runc 1.0.0-rc95"]
  docker                = "19.03.14"
  containerd            = "1.3.9"
  kubelet               = "v1.15.5"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = []
  checks = {
    "kmem.kernel"         = "fail"
    "kmem.accounting"     = "pass"
    "kmem.nokmem_boot"    = "fail"
    "kmem.runc"           = "pass"
    "kmem.kubelet"        = "pass"
    "kmem.memcg_headroom" = "pass"
    "kmem.risk"           = "pass"
  }
}
