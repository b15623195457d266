# sshd's `Match LocalAddress` block for this address sets
# `AuthorizedKeysFile none`: the key is offered and refused, "Permission
# denied (publickey)".
description = "authentication refused: the server accepts no key for this address"
base        = "vm-noruntime"
fault       = "refuses-key"

expect {
  host_status = "unreachable"
  reason      = "auth"
}
