# The local demo: this machine plus the demo fleet that `make demo` starts,
# chrooted OpenSSH servers on loopback, one per incident write-up the kmem
# pack is built from. Run from the repository root:
#
#   kaudit run -i examples/demo-local.hcl
#   kaudit run -i examples/demo-local.hcl --limit label.incident=003
#
# The demo keys and host keys live under out/demo (paths other than file()
# arguments are taken as written, relative to the working directory).

defaults {
  user            = "kaudit"
  identity_file   = "out/demo/id_ed25519"
  known_hosts     = "out/demo/known_hosts"
  host_key_policy = "accept-new" # the demo hosts are created fresh each time
  agent           = false
  ssh_config      = "none"
  connect_timeout = "3s"
  timeout         = "20s"
  labels          = { env = "demo" }
}

# No SSH: the collector runs here, as the current user.
host "localhost" {
  transport = "local"
  labels    = { role = "self" }
}

group "demo-fleet" {
  labels      = { cluster = "demo", role = "worker" }
  concurrency = 5
}

host "seed-000" {
  address = "127.0.0.1"
  port    = 2200
  groups  = ["demo-fleet"]
  labels  = { incident = "000" } # SLUB allocation failures, soft lockups
}

host "seed-001" {
  address = "127.0.0.1"
  port    = 2201
  groups  = ["demo-fleet"]
  labels  = { incident = "001" } # memcg OOM, runc exit status 6
}

host "seed-002" {
  address = "127.0.0.1"
  port    = 2202
  groups  = ["demo-fleet"]
  labels  = { incident = "002" } # fragmentation, nf_conntrack slab failures
}

host "seed-003" {
  address = "127.0.0.1"
  port    = 2203
  groups  = ["demo-fleet"]
  labels  = { incident = "003" } # 65513 memory cgroups: at the ID limit
}

host "seed-004" {
  address = "127.0.0.1"
  port    = 2204
  groups  = ["demo-fleet"]
  labels  = { incident = "004" } # kmem accounting active, mkdir ENOSPC
}

params {
  memcg_headroom_fail = 0.90
}
