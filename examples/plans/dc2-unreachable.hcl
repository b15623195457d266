# The nokmem rollout of nokmem.hcl for the second data centre, whose group
# has three workers of which two cannot be reached (a timeout and a refused
# key). The reachable node would be go, but 2 of 3 targeted hosts unreachable
# is more than max_unreachable allows (10% of 3 rounds down to 0): the gate
# is no-go and says so.
#
#   kaudit gate -i prod.hcl --limit group=workers-dc2 --plan examples/plans/dc2-unreachable.hcl
#
# Exit 3 (no-go: hosts could not be judged; no reachable host is blocked).

rules {
  max_unreachable = "10%"
}

change "workers-dc2" {
  select        = ["group=workers-dc2"]
  kernel        = "3.10.0-1160.el7.x86_64"
  boot_args_add = ["cgroup.memory=nokmem"]
  runc          = "1.0.0-rc95"
}

group "workers-dc2" {
  max_no_go = 0
}
