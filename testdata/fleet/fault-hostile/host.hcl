# Everything a remote host can throw at the reports: ANSI/OSC escape
# sequences in the host name and in command output, HTML/XML markup
# (<script>, ]]>, &amp;) as PRETTY_NAME and in versions, XML-forbidden control
# bytes (\x01 \x0b), invalid UTF-8 (\xff \xfe), a ~300 KiB `docker --version`
# line and a ~20 MiB kernel log (generated, not committed) whose lines mostly
# match nothing, with a 256 KiB line in it and a few leak lines carrying the
# same payloads, the last one at the very end. The facts are still those of a
# CentOS 7.9 node (ID, VERSION_ID, kernel) so the parsers have something to find.
description = "hostile output: escapes, markup, control bytes, invalid UTF-8, a 20 MiB kernel log"
base        = "vm-noruntime"
fault       = "hostile"

file "/etc/hostname" {
  content = "evil\\x1b[31m-node\\x1b[0m\\x1b]0;pwned\\x07\n"
  escapes = true
}
file "/proc/sys/kernel/hostname" {
  content = "evil\\x1b[31m-node\\x1b[0m\\x1b]0;pwned\\x07\n"
  escapes = true
}
file "/etc/os-release" {
  escapes = true
  content = <<-EOT
    NAME="CentOS Linux\x01\x0b"
    VERSION="7 (Core)\xff\xfe"
    ID="centos"
    ID_LIKE="rhel fedora"
    VERSION_ID="7"
    PRETTY_NAME="<script>alert(1)</script>"
    ANSI_COLOR="0;31\x1b[2J\x1b[H"
    HOME_URL="javascript:alert(document.cookie)"
    BUG_REPORT_URL="https://bugs.centos.org/]]><x>&amp;"
    EOT
}
file "/etc/redhat-release" {
  content = "CentOS Linux release 7.9.2009 (Core)\\x1b[2J\\x1b[H\\x00\n"
  escapes = true
}
file "/proc/cmdline" {
  content = "BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro quiet \"><script>alert(1)</script> \\x1b[8m\n"
  escapes = true
}

memcg {
  driver   = "systemd"
  seed     = 6001
  kubepods = false
  services = ["crond.service", "sshd.service"]
  users    = [0]

  kmem {
    kubepods   = "eio"
    pods       = "eio"
    containers = "eio"
  }
}

slab {
  names  = "_common/slab/names-el7.txt"
  merged = 10
  extra  = ["evil\\x1b[31m_cache"]
}

kernel_log {
  path          = "/var/log/dmesg"
  size_mib      = 20
  seed          = 6002
  long_line_kib = 256
  inject = [
    "SLUB: Unable to allocate memory on node -1 (gfp=0xd0)\\x1b[2J\\x1b[H<script>alert(1)</script>",
    "Memory cgroup out of memory: Kill process 4242 (\\x1b[31mevil\\x1b[0m) score 999 or sacrifice child",
    "kmem: usage 1024kB, limit 9007199254740988kB, failcnt 0 ]]></failure><script>alert(2)</script>",
    "Memory cgroup out of memory: Kill process 4243 (\\xff\\xfe\\x01\\x0b) score 999 or sacrifice child",
    "exe: page allocation failure: order:9, mode:0x10c0d0 &amp; <b>bold</b> \\x07",
    "SLUB: Unable to allocate memory on node -1 (gfp=0x80d0) \\x1b]8;;http://evil.invalid/\\x07click\\x1b]8;;\\x07",
  ]
}

expect {
  os_id                 = "centos"
  kernel_release        = "3.10.0-1160.el7.x86_64"
  kernel_family         = "rhel7"
  cgroup_mode           = "v1"
  memcg_dirs            = 6
  slab_entries          = 153
  kernel_log_source     = "dmesg"
  kernel_log_signatures = ["slub_alloc_fail", "memcg_oom", "kmem_usage", "page_alloc_fail"]
}
