// Package collector holds kaudit's embedded POSIX sh collector script and the
// framing around it: the remote command line that runs the script read from
// stdin, the per-run nonce that makes its section markers unforgeable by file
// content, and Split, which cuts the script's output back into sections.
//
// Output framing (one block per section, a section name may repeat with a
// different source):
//
//	@@KAUDIT:<nonce>:BEGIN <section> <source>
//	<body bytes, exactly as printed>
//	@@KAUDIT:<nonce>:END <section> rc=<exit> trunc=<0|1>[ why=<timeout|budget|fork>]
//	...
//	@@KAUDIT:<nonce>:DONE                  (the script finished)
//	@@KAUDIT:<nonce>:ABORT <why>           (its watchdog ended it: budget)
//
// The script always writes a newline before the END marker; that newline is
// not part of the body, so a body that ends with "\n" keeps it.
package collector

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed collect.sh
var script []byte

// ScriptVersion is the version the script prints in its collector section.
const ScriptVersion = "2"

// MarkerPrefix starts every marker line; the nonce follows it.
const MarkerPrefix = "@@KAUDIT:"

// SectionCollector is the first section the script prints: its version, the
// remote user and the shell.
const SectionCollector = "collector"

// Script returns the collector script (a copy: callers may not change the
// embedded bytes).
func Script() []byte { return bytes.Clone(script) }

// Why values of a section's END marker and of ABORT.
const (
	WhyTimeout = "timeout" // the section's command ran out of time (its output so far is kept)
	WhyBudget  = "budget"  // not run: the node budget was spent
	WhyFork    = "fork"    // no process could be started (process limit)
)

// Budget returns the node-side budget for a host whose whole run is bounded
// by timeout: what is left after connecting and a margin for the output to
// arrive, in whole seconds, at least 1. The collector's watchdog ends the run
// on the node when it is spent, so kaudit still receives what was read.
func Budget(timeout time.Duration) int {
	margin := max(2*time.Second, timeout/10)
	return max(1, int((timeout-margin)/time.Second))
}

// Command returns the remote command line that runs the script read from
// stdin, with nonce as $1, the node budget in seconds as $2 and "watch" as $3
// (the caller keeps stdin open until the command ends: end of file on it
// makes the collector kill everything it started). With sudo the shell is
// started by `sudo -n` (never prompts: fails instead). The nonce is
// single-quoted so that no value can inject shell syntax. The login shell
// execs it in place: no fork is needed to start the collector, so it still
// runs on a node at its process limit (where it reports why=fork sections
// instead of nothing), and the login shell is not left waiting on the node.
func Command(nonce string, sudo bool, budget int) string {
	c := "sh -s -- " + shQuote(nonce) + " " + strconv.Itoa(max(1, budget)) + " watch"
	if sudo {
		c = "sudo -n " + c
	}
	return "exec " + c
}

func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// NewNonce returns a fresh random nonce: 16 bytes from crypto/rand, hex encoded.
func NewNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("collector nonce: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Section is one framed block of the script's output.
type Section struct {
	Name   string // a facts.Section* constant or SectionCollector
	Source string // the path or command it came from
	// Exit is the exit status recorded by the script; -1 when the END marker
	// never arrived (output cut by the host cap or the connection).
	Exit int
	// Truncated: the script's per-section cap cut the body, or the END marker
	// never arrived.
	Truncated bool
	// Why says why the section did not run to its end: WhyTimeout,
	// WhyBudget, WhyFork, or "" (ran, or was cut: see Exit and Truncated).
	Why string
	// Body is the section's output (stdout and, for failing reads, stderr).
	// It aliases the raw buffer given to Split.
	Body []byte
}

// Run is the parsed output of one collector run.
type Run struct {
	Sections []Section
	Done     bool   // the script's DONE line arrived: it ran to its end
	Abort    string // the ABORT reason when its watchdog ended it ("budget")
}

// Split parses framed output into its sections (see SplitRun).
func Split(raw []byte, nonce string) []Section { return SplitRun(raw, nonce).Sections }

// SplitRun parses framed output. Bytes outside frames are ignored, and so
// are marker lines carrying another nonce. A BEGIN without its END (host cap,
// reset connection, the watchdog's ABORT) yields a section marked Truncated
// with Exit -1; a BEGIN that arrives while a section is open closes the open
// one the same way. An END whose section name does not match the open section
// is body text; DONE and ABORT end an open section wherever they are.
func SplitRun(raw []byte, nonce string) Run {
	begin := []byte(MarkerPrefix + nonce + ":BEGIN ")
	end := []byte(MarkerPrefix + nonce + ":END ")
	done := []byte(MarkerPrefix + nonce + ":DONE")
	abort := []byte(MarkerPrefix + nonce + ":ABORT ")
	var (
		run       Run
		out       []Section
		cur       *Section
		bodyStart int
	)
	closeCut := func(to int) {
		cur.Body = raw[bodyStart:to]
		cur.Exit = -1
		cur.Truncated = true
		out = append(out, *cur)
		cur = nil
	}
	for pos := 0; pos < len(raw); {
		lineEnd := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		line := raw[pos:]
		if lineEnd >= 0 {
			line = raw[pos : pos+lineEnd]
			next = pos + lineEnd + 1
		}
		switch {
		case bytes.HasPrefix(line, begin):
			if cur != nil {
				closeCut(pos)
			}
			name, source, _ := strings.Cut(string(line[len(begin):]), " ")
			cur = &Section{Name: name, Source: source}
			bodyStart = next
		case cur != nil && bytes.HasPrefix(line, end):
			name, exit, trunc, why, ok := parseEnd(string(line[len(end):]))
			if !ok || name != cur.Name {
				break // body text
			}
			// The script writes "\n" before every END marker.
			cur.Body = raw[bodyStart:max(bodyStart, pos-1)]
			cur.Exit = exit
			cur.Truncated = trunc
			cur.Why = why
			out = append(out, *cur)
			cur = nil
		case bytes.Equal(line, done):
			if cur != nil {
				closeCut(pos)
			}
			run.Done = true
		case bytes.HasPrefix(line, abort):
			if cur != nil {
				closeCut(max(bodyStart, pos-1))
			}
			run.Abort = strings.TrimSpace(string(line[len(abort):]))
		}
		pos = next
	}
	if cur != nil {
		closeCut(len(raw))
	}
	run.Sections = out
	return run
}

// parseEnd parses "<section> rc=<n> trunc=<0|1>[ why=<word>]".
func parseEnd(s string) (name string, exit int, trunc bool, why string, ok bool) {
	f := strings.Fields(s)
	if len(f) < 3 || len(f) > 4 || !strings.HasPrefix(f[1], "rc=") || !strings.HasPrefix(f[2], "trunc=") {
		return "", 0, false, "", false
	}
	n, err := strconv.Atoi(f[1][3:])
	if err != nil {
		return "", 0, false, "", false
	}
	switch f[2][6:] {
	case "0":
	case "1":
		trunc = true
	default:
		return "", 0, false, "", false
	}
	if len(f) == 4 {
		w, found := strings.CutPrefix(f[3], "why=")
		switch {
		case !found:
			return "", 0, false, "", false
		case w == WhyTimeout, w == WhyBudget, w == WhyFork:
			why = w
		default:
			why = "other"
		}
	}
	return f[0], n, trunc, why, true
}
