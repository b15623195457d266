# This machine only: the collector runs here without SSH (transport
# "local"), as the current user. Same as `kaudit run` with no -i, but with
# labels and params you can edit.
#
#   kaudit run -i examples/local.hcl -v
#
# The demo fleet that `make demo` starts writes its own inventory (its path
# is printed, and `bin/testfleet info --state out/fleet.json inventory`
# prints it again).

host "localhost" {
  transport = "local"
  labels    = { role = "self" }
}

params {
  memcg_headroom_fail = 0.90
}
