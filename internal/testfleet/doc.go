// Package testfleet runs a fleet of fake Linux hosts on this machine for
// kaudit's end-to-end tests, demos and benchmarks.
//
// Every host is a directory tree built from testdata/fleet/<fixture> (plain
// files standing for /proc, /sys, /etc, /boot, /var, and shell stubs printing
// what runc, docker, kubelet, dmesg, grubby... print on that host) plus what
// its host.hcl asks to generate (memory cgroup trees, slab entries, EIO files,
// a 20 MiB kernel log). One sshd, started inside a private network namespace,
// listens on 0.0.0.0:22 there; a `Match LocalAddress 127.1.0.N` block per
// host chroots the session into that host's tree. Addresses are handed out
// from 127.1.0.2 in host order. With Options.HostsPerSSHD the hosts are split
// over several sshds, each listening on its own hosts' addresses with only
// their Match blocks (sshd parses its whole config for every connection).
//
// Inside each chroot /bin/sh is dash (busybox ash would run its own uname,
// dmesg... applets before the fixture's stubs), busybox provides the other
// tools, and a procfs is mounted at /.kproc before sshd starts so that
// symlinks to /.kproc/self/mem read as "Input/output error" (how a
// memory.kmem.slabinfo without kmem accounting reads). The chroot trees live
// under a root-owned 0755 directory (/var/lib/kaudit-testfleet/<run-id>)
// because sshd refuses chroot paths writable by anyone but root.
//
// sshd's HostKey is global (it cannot be set in a Match block), so all hosts
// share one host key; the "changed key" fault is made on the client side: the
// generated known_hosts holds another key for that address. The tarpit host
// listens on port 2222 of its address (sshd owns port 22 on every loopback
// address through 0.0.0.0); the listener is this package's own binary
// re-executed inside the namespace with KAUDIT_TESTFLEET_TARPIT set (see
// RunTarpit), which works in any binary that imports the package, test
// binaries included.
//
// Start needs root, ip(8), OpenSSH's sshd and ssh-keygen, a static busybox
// and dash (make deps installs them); Require skips a test without them, or
// fails it when CI=true. Stop removes everything Start made; DownAll removes
// what earlier runs left behind.
package testfleet
