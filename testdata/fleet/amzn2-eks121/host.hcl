# Amazon Linux 2 EKS worker, AMI amazon-eks-node-1.21-v20221101 (the AMI's
# changelog lists kernel 5.4.209-116.367.amzn2, dockerd 20.10.17, containerd
# 1.6.6, runc 1.1.3; kubelet v1.21.14-eks-ba74326). cgroup v1 only (systemd
# 219, no cgroup2 mount), docker with the cgroupfs driver (the AMI's
# kubelet-config.json: cgroupDriver cgroupfs, cgroupRoot /). kmem accounting is
# active in every memory cgroup, as it is on any 4.6+ kernel without
# cgroup.memory=nokmem (and the 1.21 kubelet sets kmem limits on pods), but the
# kernel is 5.4: it frees memcg IDs (upstream 73f576c04b94, 4.7), so the leak
# cannot happen. /proc/cgroups counts as many memory cgroups as exist.
description = "Amazon Linux 2 EKS 1.21 node, kernel 5.4 on cgroup v1, kmem accounting active: not exposed (the kernel recycles memcg IDs)"

memcg {
  driver             = "cgroupfs"
  seed               = 2121
  pods               = 14
  containers_per_pod = 2
  services           = ["acpid.service", "amazon-ssm-agent.service", "auditd.service", "chronyd.service", "containerd.service", "crond.service", "dbus.service", "docker.service", "getty@tty1.service", "gssproxy.service", "kubelet.service", "lvm2-lvmetad.service", "network.service", "postfix.service", "rngd.service", "rsyslog.service", "serial-getty@ttyS0.service", "sshd.service", "systemd-journald.service", "systemd-logind.service", "systemd-udevd.service"]
  users              = [1000]

  kmem {
    kubepods   = "active"
    pods       = "active"
    containers = "active"
    other      = "active"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 61
}

expect {
  hostname              = "ip-192-168-34-17.us-west-2.compute.internal"
  os_id                 = "amzn"
  os_version_id         = "2"
  pretty_name           = "Amazon Linux 2"
  kernel_release        = "5.4.209-116.367.amzn2.x86_64"
  kernel_family         = "amzn"
  cgroup_mode           = "v1"
  memcg_dirs            = 70
  slab_entries          = 203
  memcg_num_cgroups     = 70
  nokmem_running        = false
  nokmem_persisted      = false
  kubepods_kmem         = "active"
  containers_kmem       = "active"
  runc                  = ["runc 1.1.3"]
  docker                = "20.10.17"
  containerd            = "1.6.6"
  kubelet               = "v1.21.14-eks-ba74326"
  kernel_log_source     = "dmesg"
  kernel_log_signatures = []
  host_status           = "compliant"
  checks = {
    "kmem.kernel"     = "pass"
    "kmem.accounting" = "not_applicable"
    "kmem.runc"       = "not_applicable"
    "kmem.kubelet"    = "not_applicable"
    "kmem.risk"       = "pass"
  }
}
