# Ubuntu 22.04.3 on 5.15.0-88-generic (/proc/version_signature "Ubuntu
# 5.15.0-88.98-generic 5.15.126"): cgroup v2 only (one cgroup2 mount,
# /sys/fs/cgroup/cgroup.controllers, every /proc/cgroups hierarchy 0), so the
# cgroup v1 kmem leak does not apply. containerd v1.6.24 and runc 1.1.9 from
# the upstream release tarballs (/usr/local), kubelet v1.28.2 (systemd driver),
# no docker. dmesg is restricted (Ubuntu default); journalctl -k works (the
# collector's user is in adm) and shows nothing of interest.
description = "Ubuntu 22.04, cgroup v2 only, containerd 1.6, kubelet 1.28: not affected"

modes = {
  "/boot/grub/grub.cfg" = "0444"
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 73
}

expect {
  hostname              = "ip-10-20-3-41"
  os_id                 = "ubuntu"
  os_version_id         = "22.04"
  pretty_name           = "Ubuntu 22.04.3 LTS"
  kernel_release        = "5.15.0-88-generic"
  kernel_family         = "ubuntu"
  cgroup_mode           = "v2"
  slab_entries          = 215
  nokmem_running        = false
  runc                  = ["runc 1.1.9"]
  containerd            = "1.6.24"
  kubelet               = "v1.28.2"
  kubelet_cgroup_driver = "systemd"
  kernel_log_source     = "journalctl"
  kernel_log_signatures = []
  host_status           = "compliant"
  checks = {
    "kmem.kernel" = "not_applicable"
  }
}
