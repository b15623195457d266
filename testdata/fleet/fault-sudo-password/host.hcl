# The inventory sets sudo = true for this host, but sudo wants a password:
# `sudo -n ...` prints "sudo: a password is required" on stderr and exits 1.
description = "sudo -n fails: a password is required"
base        = "vm-noruntime"
fault       = "sudo-password"
sudo        = true

expect {
  host_status = "unreachable"
  reason      = "sudo"
}
