package facts

import (
	"maps"
	"testing"
)

func TestKernelParams(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"ro quiet", map[string]string{"ro": "", "quiet": ""}},
		{"BOOT_IMAGE=/vmlinuz-3.10.0-693.el7.x86_64 root=/dev/mapper/centos-root ro cgroup.memory=nokmem",
			map[string]string{"BOOT_IMAGE": "/vmlinuz-3.10.0-693.el7.x86_64", "root": "/dev/mapper/centos-root", "ro": "", "cgroup.memory": "nokmem"}},
		{"console=tty0 console=ttyS0,115200", map[string]string{"console": "ttyS0,115200"}},
		{"ro -- single cgroup.memory=nokmem", map[string]string{"ro": ""}},
	} {
		if got := KernelParams(tt.in); !maps.Equal(got, tt.want) {
			t.Errorf("KernelParams(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestArgsFlags(t *testing.T) {
	for _, tt := range []struct {
		in     string
		nk, md bool
	}{
		{"ro quiet", false, false},
		{"cgroup.memory=nokmem", true, false},
		{"cgroup.memory=nosocket,nokmem cgroup_disable=memory", true, true},
		{"cgroup_disable=cpu,memory", false, true},
		{"cgroup.memory", false, false},
		{"ro -- cgroup.memory=nokmem", false, false},
	} {
		if nk, md := ArgsFlags(tt.in); nk != tt.nk || md != tt.md {
			t.Errorf("ArgsFlags(%q) = %v, %v; want %v, %v", tt.in, nk, md, tt.nk, tt.md)
		}
	}
}
