# A correctly mitigated CentOS 7.9 node (3.10.0-1160.el7): cgroup.memory=nokmem
# is on the running cmdline AND in /etc/default/grub AND in every grub.cfg
# entry (grub2-mkconfig was re-run and the node rebooted), grubby agrees. Every
# memory.kmem.slabinfo gives EIO even though kubelet v1.18.20 and runc
# 1.0.0-rc10 would switch kmem on. kubelet and docker use the systemd cgroup
# driver (kubepods.slice tree); /etc/docker/daemon.json is seed 003's verbatim.
# /proc/buddyinfo and the 3 nf_conntrack caches are seed 002's healthy node.
description = "nokmem in effect and persisted on CentOS 7.9; all kmem slabinfo EIO; healthy memory"
base        = "_centos7"

modes = {
  "/proc/slabinfo" = "0400"
}

memcg {
  driver             = "systemd"
  seed               = 2001
  pods               = 16
  containers_per_pod = 2
  services           = ["containerd.service", "crond.service", "docker.service", "kubelet.service", "rsyslog.service", "sshd.service", "systemd-journald.service", "tuned.service", "chronyd.service"]
  users              = [0]

  kmem {
    kubepods   = "eio"
    pods       = "eio"
    containers = "eio"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 36
  extra  = ["nf_conntrack_ffff8801fda48000", "nf_conntrack_ffff8801fda4ce00", "nf_conntrack_ffff8800a4afa700"]
}

expect {
  hostname              = "k8s-worker-07.prod.example.com"
  os_id                 = "centos"
  redhat_release        = "CentOS Linux release 7.9.2009 (Core)"
  kernel_release        = "3.10.0-1160.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 64
  slab_entries          = 181
  nokmem_running        = true
  nokmem_persisted      = true
  memcg_num_cgroups     = 71
  kubepods_kmem         = "inactive"
  containers_kmem       = "inactive"
  runc                  = ["runc 1.0.0-rc10"]
  docker                = "19.03.14"
  containerd            = "1.3.9"
  kubelet               = "v1.18.20"
  kubelet_cgroup_driver = "systemd"
  docker_cgroup_driver  = "systemd"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = []
  host_status           = "compliant"
  checks = {
    "kmem.kernel"         = "fail"
    "kmem.accounting"     = "pass"
    "kmem.nokmem_boot"    = "pass"
    "kmem.boot_drift"     = "pass"
    "kmem.runc"           = "pass"
    "kmem.kubelet"        = "pass"
    "kmem.fragmentation"  = "pass"
    "kmem.kernel_log"     = "pass"
    "kmem.risk"           = "pass"
  }
}
