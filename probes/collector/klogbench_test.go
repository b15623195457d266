package collector_test

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kaudit/kaudit/probes/collector"
)

// klogAwk is the collector's kernel-log awk program.
func klogAwk(tb testing.TB) string {
	tb.Helper()
	s := string(collector.Script())
	i := strings.Index(s, "KLOG_AWK='")
	j := strings.Index(s[i:], "\n}'\n")
	if i < 0 || j < 0 {
		tb.Fatal("no KLOG_AWK in collect.sh")
	}
	return s[i+len("KLOG_AWK='") : i+j+2]
}

// allMatching is size bytes of kernel log in which every line matches one of
// the leak signatures (the worst case for the scan), ending with the
// collector's status line.
func allMatching(size int) []byte {
	lines := []string{
		"Dec  3 10:00:00 node kernel: SLUB: Unable to allocate memory on node -1 (gfp=0x8020)",
		"Dec  3 10:00:01 node kernel: BUG: soft lockup - CPU#3 stuck for 22s! [runc:[1:CHILD]:1234]",
		"Dec  3 10:00:02 node kernel: kworker/u8:1: page allocation failure: order:6, mode:0x104050",
		"Dec  3 10:00:03 node kernel: Memory cgroup out of memory: Kill process 1234 (java) score 1000",
		"Dec  3 10:00:04 node kernel: kmem: usage 1048576kB, limit 9007199254740988kB, failcnt 0",
		"Dec  3 10:00:05 node dockerd: mkdir /sys/fs/cgroup/memory/kubepods/pod1: no space left on device",
		"Dec  3 10:00:06 node kubelet: oci runtime error: container_linux.go:247: starting container process caused exit status 6",
		"Dec  3 10:00:07 node kernel: kmem_cache_create(nf_conntrack_ffff8800) failed",
		"Dec  3 10:00:08 node kubelet: socket: no more sockets",
	}
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < size {
		b.WriteString(lines[r.IntN(len(lines))])
		b.WriteByte('\n')
	}
	b.WriteString("\n@@KAUDIT:n:RC 0\n")
	return b.Bytes()
}

// BenchmarkKernelLogScan measures the node CPU of the collector's kernel-log
// scan of 64 MiB in which every line matches, with each awk on this machine
// (make bench-klog; figures in docs/performance.md). Reported: cpu-s/scan,
// the user+system time of the awk process.
func BenchmarkKernelLogScan(b *testing.B) {
	prog := klogAwk(b)
	in := allMatching(64 << 20)
	for _, a := range [][]string{{"mawk"}, {"gawk"}, {"busybox", "awk"}} {
		if _, err := exec.LookPath(a[0]); err != nil {
			continue
		}
		b.Run(strings.Join(a, "_"), func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				args := append(append([]string{}, a[1:]...), "-v", "mark=@@KAUDIT:n:RC ", prog)
				cmd := exec.Command(a[0], args...)
				cmd.Stdin = bytes.NewReader(in)
				out, err := cmd.Output()
				if err != nil {
					b.Fatal(err)
				}
				if !bytes.Contains(out, []byte("count slub_alloc_fail ")) {
					b.Fatalf("no count in\n%s", out)
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/scan")
			b.SetBytes(int64(len(in)))
		})
	}
}
