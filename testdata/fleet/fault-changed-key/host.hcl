# known_hosts holds ANOTHER ed25519 key for this address than the one sshd
# serves (sshd's HostKey is global, so a per-address key cannot be served;
# the mismatch is made on the client side): a changed key, possible MITM.
description = "host key changed: known_hosts has a different key for its address"
base        = "vm-noruntime"
fault       = "changed-key"

expect {
  host_status = "unreachable"
  reason      = "hostkey"
}
