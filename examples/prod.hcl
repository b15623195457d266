# Production fleet: two data centres behind jump hosts, RHEL/CentOS 7
# Kubernetes nodes. Load it with:
#
#   kaudit inventory hosts -i examples/prod.hcl
#   kaudit run -i examples/prod.hcl --limit group=workers --limit label.dc=dc1
#
# Secrets never appear here: the key passphrase and the one password come
# from the environment at run time.

defaults {
  user                    = "audit"
  identity_file           = "~/.ssh/kaudit_ed25519"
  identity_passphrase_env = "KAUDIT_KEY_PASSPHRASE"
  known_hosts             = ["~/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"]
  host_key_policy         = "strict"
  timeout                 = "60s"
  connect_timeout         = "10s"
  sudo                    = true # the collector reads /sys/fs/cgroup and dmesg
  agent                   = true
  ssh_config              = "none" # this file is the single source of truth
  labels                  = { env = "prod" }
}

# The internet-facing jump host; the DC bastions are reached through it.
bastion "edge" {
  address     = "edge.example.com"
  concurrency = 8
}

bastion "dc1" {
  address     = "jump.dc1.example.com"
  bastion     = "edge"
  concurrency = 8
}

bastion "dc2" {
  address     = "jump.dc2.example.com"
  bastion     = "edge"
  concurrency = 6
}

group "masters" {
  bastion = "dc1"
  labels  = { cluster = "prod", role = "master", dc = "dc1" }
  hosts   = ["k8s-master-[01:03].dc1.example.com"]
}

group "workers" {
  bastion     = "dc1"
  labels      = { cluster = "prod", role = "worker", dc = "dc1" }
  hosts       = ["worker-[001:120].dc1.example.com"]
  concurrency = 16
  timeout     = "90s" # busy nodes answer slowly
}

group "workers-dc2" {
  bastion     = "dc2"
  labels      = { cluster = "prod", role = "worker", dc = "dc2" }
  hosts       = ["10.20.0.[10:59]"]
  concurrency = 16
}

# Declared so host blocks can join it; its members are listed below.
group "databases" {
  labels = { role = "db" }
  sudo   = false
}

host "db-01" {
  address  = "10.1.2.3"
  port     = 2222
  bastion  = "dc1"
  user     = "dbaudit"
  # env() fails when the variable is unset; try() makes it optional here
  # (no password: key and agent authentication only).
  password = try(env("KAUDIT_DB01_PASSWORD"), "")
  labels   = { role = "db", tier = "primary" }
  groups   = ["databases"]
}

host "db-02" {
  address = "10.1.2.4"
  port    = 2222
  bastion = "dc1"
  labels  = { tier = "replica" }
  groups  = ["databases"]
}

params {
  # Thresholds the kmem pack reads (see docs/inventory.md).
  memcg_headroom_warn = 0.80
  memcg_headroom_fail = 0.90
  zombie_memcg_fail   = 20000
}

waiver "kmem.kubelet" {
  hosts   = ["worker-00*"]
  checks  = ["kmem.runc"]
  reason  = "kubelet and runc nokmem builds are rolling out to the first racks"
  owner   = "platform-team"
  ticket  = "OPS-1234"
  expires = "2026-12-31"
}
