# Drift, "reboot pending": someone added cgroup.memory=nokmem to
# /etc/default/grub and ran grub2-mkconfig (every grub.cfg entry and grubby
# show it) but the node has not rebooted: the running cmdline lacks it (and
# still carries the installer's LANG=), so kmem accounting is active in
# kubepods and the containers (kubelet v1.18.20, runc 1.0.0-rc10, cgroupfs).
description = "nokmem persisted in grub but not on the running cmdline; kmem accounting still active"
base        = "_centos7"

modes = {
  "/var/log/messages" = "0600"
}

memcg {
  driver             = "cgroupfs"
  seed               = 2002
  pods               = 15
  containers_per_pod = 2
  services           = ["containerd.service", "crond.service", "docker.service", "kubelet.service", "rsyslog.service", "sshd.service", "systemd-journald.service"]
  users              = [0]

  kmem {
    kubepods   = "active"
    pods       = "active"
    containers = "active"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 40
}

expect {
  hostname              = "k8s-worker-12.prod.example.com"
  os_id                 = "centos"
  kernel_release        = "3.10.0-1160.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 59
  slab_entries          = 182
  nokmem_running        = false
  nokmem_persisted      = true
  memcg_num_cgroups     = 2461
  kubepods_kmem         = "active"
  containers_kmem       = "active"
  runc                  = ["runc 1.0.0-rc10"]
  docker                = "19.03.14"
  containerd            = "1.3.9"
  kubelet               = "v1.18.20"
  kubelet_cgroup_driver = "cgroupfs"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = []
  host_status           = "noncompliant"
  checks = {
    "kmem.kernel"      = "fail"
    "kmem.accounting"  = "fail"
    "kmem.nokmem_boot" = "fail"
    "kmem.boot_drift"  = "fail"
    "kmem.runc"        = "fail"
    "kmem.kubelet"     = "fail"
    "kmem.risk"        = "fail"
  }
}
