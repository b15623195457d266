# Staging: a dual-stack CentOS 7 Kubernetes cluster in one site, reached
# through a single jump host, plus two VMs on non-standard ports. Shows
# IPv6 entries, host:port entries, several groups per host, per-group
# overrides, params and waivers.
#
#   kaudit inventory hosts -i examples/staging.hcl --limit label.role=worker
#   kaudit run -i examples/staging.hcl --limit 'stg-node-0*' --limit group=gpu

defaults {
  user                    = "kaudit"
  identity_files          = ["~/.ssh/kaudit_staging", "~/.ssh/id_ed25519"]
  identity_passphrase_env = "KAUDIT_STAGING_PASSPHRASE"
  known_hosts             = "~/.ssh/known_hosts.staging"
  host_key_policy         = "strict"
  connect_timeout         = "5s"
  timeout                 = "45s"
  sudo                    = true
  labels                  = { env = "staging", site = "fra1" }
}

bastion "fra1" {
  address     = "2a01:4f8:c0c:1::10" # the jump host is IPv6-only
  user        = "jump"
  concurrency = 10
}

group "control-plane" {
  bastion = "fra1"
  labels  = { role = "control-plane" }
  hosts   = ["stg-cp-[1:3].fra1.internal"]
  sudo    = false # the audit account is in the systemd-journal and adm groups there
}

group "workers" {
  bastion     = "fra1"
  labels      = { role = "worker" }
  hosts       = ["stg-node-[01:24].fra1.internal"]
  concurrency = 12
}

# GPU nodes are workers too: a name in several groups is one host. For each
# setting, the first group in file order that sets it wins: "workers" sets
# no timeout, so these nodes get 90s; "workers" sets concurrency, and the
# host's cap is the tightest of its groups'.
group "gpu" {
  labels      = { accelerator = "nvidia" }
  hosts       = ["stg-node-[21:24].fra1.internal"]
  timeout     = "90s"
  concurrency = 2
}

# IPv6-only edge nodes, addressed directly (no bastion).
group "edge" {
  bastion = ""
  labels  = { role = "edge" }
  hosts = [
    "2a01:4f8:c0c:2::21",
    "2a01:4f8:c0c:2::22",
    "[2a01:4f8:c0c:2::23]:2222",
  ]
}

# Legacy VMs behind port forwards on one NAT address.
group "legacy" {
  bastion = "fra1"
  labels  = { role = "legacy", os = "centos7" }
  hosts   = ["nat.fra1.internal:2201", "nat.fra1.internal:2202"]
  user    = lower("KAUDIT")
}

params {
  memcg_headroom_warn = 0.75
  memcg_headroom_fail = 0.85
  zombie_memcg_fail   = 10000
  slab_unreclaim_fail = 0.25
}

waiver "kmem.memcg_disabled" {
  groups  = ["edge"]
  reason  = "edge nodes run without memory cgroups by design (no kubelet limits)"
  owner   = "edge-team"
  ticket  = "EDGE-88"
  expires = "2027-03-31"
}

waiver "kmem.runc" {
  hosts   = ["stg-node-2*"]
  checks  = ["kmem.kubelet"]
  reason  = "GPU nodes wait for the nvidia-container-runtime rebuild with nokmem"
  owner   = "ml-platform"
  ticket  = "MLP-412"
  expires = "2026-09-30"
}
