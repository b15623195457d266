package transport

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaudit/kaudit/internal/testenv"
	"github.com/kaudit/kaudit/inventory"
	"github.com/kaudit/kaudit/probes/collector"
	"github.com/kaudit/kaudit/probes/collector/collectortest"
)

// TestLocalNothingLeftBehind: the local transport running the real collector
// against a fake node whose runc hangs under GNU timeout (its own process
// group, which killing the collector's group would miss) or busybox timeout
// (which kills only its direct child), and ignores
// SIGTERM: after the host's timeout, and after a cancellation, no process the
// collector started remains 5 s later, and the sections read are returned.
func TestLocalNothingLeftBehind(t *testing.T) {
	gnu := testenv.Program(t, "coreutils", "timeout")
	bb := testenv.Program(t, "busybox-static", "busybox")
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		cancel  time.Duration
		wrap    string // the timeout(1) runc runs its hung child under
	}{
		{"section timer", 10 * time.Second, 0, gnu},
		{"cancelled", 60 * time.Second, 1500 * time.Millisecond, gnu},
		// busybox timeout kills only its direct child: the collector's
		// reaping must find the rest
		{"busybox timeout", 10 * time.Second, 0, bb + " timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := collectortest.RHEL7Node(t)
			marker := fmt.Sprintf("kaudit-local-%s-%d", strings.ReplaceAll(tc.name, " ", "-"), os.Getpid())
			child := filepath.Join(h.Bin, marker)
			if err := os.WriteFile(child, []byte("#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 1; done\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			// runc --version: GNU timeout (setpgid) running a TERM-ignoring loop
			if err := os.WriteFile(filepath.Join(h.Bin, "runc"), []byte("#!/bin/sh\nexec "+tc.wrap+" 300 "+child+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("KAUDIT_ROOT", h.Root)
			t.Setenv("PATH", h.Bin+":/usr/bin:/bin")
			l := NewLocal(LocalOptions{HoldStdin: true})
			host := &inventory.Host{Name: "localhost", Transport: "local", SSH: inventory.SSHSettings{Timeout: tc.timeout}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			nonce := "0123456789abcdef0123456789abcdef"
			start := time.Now()
			res, err := l.Run(ctx, host, collector.Command(nonce, false, collector.Budget(tc.timeout)), collector.Script())
			took := time.Since(start)
			t.Logf("%s: %v after %v", tc.name, err, took)
			if res != nil && os.Getenv("KAUDIT_DEBUG") != "" {
				t.Logf("%s", res.Stdout)
			}
			if res == nil || !bytes.Contains(res.Stdout, []byte("BEGIN hostname")) {
				t.Fatalf("the sections read before the end were not returned (err %v)", err)
			}
			if tc.cancel == 0 && !bytes.Contains(res.Stdout, []byte("END runc rc=124 trunc=0 why=timeout")) {
				t.Errorf("the hung runc section did not end on its timer:\n%s", res.Stdout)
			}
			testenv.NoneLeft(t, marker)
		})
	}
}
