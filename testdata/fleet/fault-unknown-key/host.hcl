# A healthy sshd host whose address has NO line in the generated known_hosts:
# with host_key_policy = "strict" the connection must be refused before
# authentication (OpenSSH: "Host key verification failed.").
description = "host key unknown: no known_hosts line for its address"
base        = "vm-noruntime"
fault       = "unknown-key"

expect {
  host_status = "unreachable"
  reason      = "hostkey"
}
