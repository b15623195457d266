# Accepts TCP connections on its address and never says a word: no SSH
# banner. The harness runs a tiny listener (the testfleet binary re-executed
# inside the network namespace) on port 2222 of this address, because sshd's
# 0.0.0.0:22 listener owns port 22 on every loopback address. Its known_hosts
# line exists, so the only failure is the handshake timing out.
description = "TCP tarpit: connect succeeds, SSH banner never comes"
fault       = "tarpit"

expect {
  host_status = "unreachable"
  reason      = "timeout"
}
