package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// sgr matches the colour sequences the renderer itself writes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestTextNoHostileBytes(t *testing.T) {
	for _, opts := range []Options{{}, {Verbose: true}, {Verbose: true, Color: true}} {
		out := render(t, &Text{Options: opts}, finishedSample(t))
		if !utf8.Valid(out) {
			t.Fatalf("%+v: invalid UTF-8", opts)
		}
		rest := out
		if opts.Color {
			if !sgr.Match(out) {
				t.Fatal("Color: no colour written")
			}
			rest = sgr.ReplaceAll(out, nil)
		}
		for _, b := range rest {
			if b < 0x20 && b != '\n' || b == 0x7f {
				t.Fatalf("%+v: control byte %#x in output:\n%s", opts, b, out)
			}
		}
		if bytes.Contains(rest, []byte("]0;owned")) || bytes.Contains(rest, []byte("[2J")) {
			t.Fatalf("%+v: escape sequence payload leaked", opts)
		}
		if opts.Verbose && !bytes.Contains(out, []byte(hostilePretty)) {
			t.Errorf("%+v: the hostile PRETTY_NAME should show as the literal text", opts)
		}
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	out := render(t, &Text{Options: Options{Verbose: true}}, finishedSample(t))
	if bytes.IndexByte(out, 0x1b) >= 0 {
		t.Fatal("ESC in output without Color")
	}
}

func TestTextSummaryContent(t *testing.T) {
	out := string(render(t, &Text{}, finishedSample(t)))
	for _, want := range []string{
		"noncompliant      2",
		"unreachable       1",
		"critical kmem.risk               2",
		"k8s-node-002  10.20.0.12  hostkey (host key not verified): ssh: handshake failed",
		"edge-07  192.0.2.7  unknown: kmem.kernel_log, kmem.risk, kmem.accounting",
		"kmem.memcg_headroom (new)",
		"old-node-9  kmem.risk  host absent",
		"FAIL  2 of 6 hosts fail checks at or above high  (exit 1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(out, "kmem.nokmem_boot\n") || strings.Contains(out, "── ") {
		t.Error("per-host detail without Verbose")
	}
}

// TestTextListsCapped: at fleet size the summary stays short; Verbose has
// every host.
func TestTextListsCapped(t *testing.T) {
	big := bigReport(600)
	Finalize(big, "high")
	short := string(render(t, &Text{}, big))
	if n := strings.Count(short, "\n"); n > 200 {
		t.Errorf("summary of 600 hosts has %d lines", n)
	}
	if !strings.Contains(short, fmt.Sprintf("… and %d more", big.Summary.Hosts[HostNoncompliant]-textListCap)) {
		t.Error("no '… and N more' line")
	}
	long := string(render(t, &Text{Options: Options{Verbose: true}}, big))
	if got := strings.Count(long, "\n── "); got != 600 {
		t.Errorf("verbose has %d host sections, want 600", got)
	}
}
