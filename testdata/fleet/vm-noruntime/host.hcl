# A CentOS 7.9 VM with no container runtime and no kubelet: an affected kernel
# on which nothing switches kmem accounting on. No runc, docker, containerd or
# kubelet in PATH; the memory hierarchy holds only systemd's slices (EIO).
# Also the base of the fault hosts.
description = "CentOS 7.9 VM without runc, docker or kubelet"
base        = "_centos7"

modes = {
  "/var/log/messages" = "0600"
}

memcg {
  driver   = "systemd"
  seed     = 3001
  kubepods = false
  services = ["auditd.service", "chronyd.service", "crond.service", "sshd.service", "rsyslog.service", "tuned.service", "systemd-journald.service"]
  users    = [0, 1000]

  kmem {
    kubepods   = "eio"
    pods       = "eio"
    containers = "eio"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 29
}

expect {
  hostname              = "build-vm-04"
  os_id                 = "centos"
  redhat_release        = "CentOS Linux release 7.9.2009 (Core)"
  kernel_release        = "3.10.0-1160.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 12
  slab_entries          = 171
  nokmem_running        = false
  memcg_num_cgroups     = 14
  kubepods_kmem         = "absent"
  containers_kmem       = "none"
  runc                  = []
  kernel_log_source     = "dmesg"
  kernel_log_signatures = []
  checks = {
    "kmem.kernel"     = "fail"
    "kmem.runc"       = "not_applicable"
    "kmem.kubelet"    = "not_applicable"
  }
}
