# Inventory overlay for running the example plans against the SSH test fleet
# (internal/testfleet). Load it after the fleet's generated inventory: a
# group may list hosts declared in another file.
#
#   testfleet up --hosts seed000-centos75,fault-tarpit,fault-refuses-key \
#       --clone seed000-centos75=2 --state out/fleet.json
#   inv=$(testfleet info --state out/fleet.json inventory)
#   ns=$(testfleet info --state out/fleet.json netns)
#   ip netns exec $ns kaudit gate -i $inv -i examples/plans/testfleet-groups.hcl \
#       --limit group=workers --plan examples/plans/kubelet-1.15.hcl
#
# seed000-centos75 is seed 000's node: CentOS 7.5.1804, 3.10.0-862.el7,
# kubelet v1.12.3, Docker 18.06.1-ce with docker-runc 1.0.0-rc5+dev, kmem
# accounting active, SLUB failures and soft lockups in dmesg. Its clones are
# identical nodes.

group "workers" {
  labels = { role = "worker", dc = "dc1" }
  hosts  = ["seed000-centos75", "seed000-centos75-c0001"]
}

# One reachable node and two that cannot be reached: a TCP tarpit (timeout)
# and a server that refuses the key (auth).
group "workers-dc2" {
  labels = { role = "worker", dc = "dc2" }
  hosts  = ["seed000-centos75-c0002", "fault-tarpit", "fault-refuses-key"]
}
