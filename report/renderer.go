package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kaudit/kaudit/policies"
)

// Options tune the renderers. The zero value is right for files and pipes.
type Options struct {
	// Color writes ANSI colours (text). The CLI sets it when the output is a
	// terminal and NO_COLOR is unset or empty; never for a file.
	Color bool
	// Verbose adds every host's results after the summary (text).
	Verbose bool
	// Width is the line width to wrap and cut at (text); 0 means 100. The CLI
	// passes the terminal's width when writing to one.
	Width int
	// Describe gives a check's documentation (the policy engine's); the
	// SARIF rules carry it. Nil: rules carry titles and remediations only.
	Describe func(id string) (policies.CheckDoc, bool)
}

// format is one report format: its name (the FORMAT of --report
// FORMAT[=PATH]), the file written when no path is given ("" = standard
// output) and its renderer. formats is the one list of them.
type format struct {
	name, file string
	new        func(Options) Renderer
}

func formats() []format {
	return []format{
		{"text", "", func(o Options) Renderer { return &Text{Options: o} }},
		{"json", "", func(Options) Renderer { return JSON{} }},
		{"junit", "kaudit-junit.xml", func(Options) Renderer { return JUnit{} }},
		{"html", "kaudit-report.html", func(Options) Renderer { return HTML{} }},
		{"prom", "kaudit.prom", func(Options) Renderer { return Prom{} }},
		{"sarif", "kaudit.sarif", func(o Options) Renderer { return SARIF{Describe: o.Describe} }},
	}
}

// Formats lists the report formats New accepts, in the order documented.
func Formats() []string {
	var names []string
	for _, f := range formats() {
		names = append(names, f.name)
	}
	return names
}

// DefaultFile is the file a report in format goes to when no path is given:
// "" for the formats written to standard output (text, json) and for an
// unknown format.
func DefaultFile(name string) string {
	for _, f := range formats() {
		if f.name == name {
			return f.file
		}
	}
	return ""
}

// New returns the renderer for the named format (one of Formats).
func New(name string, opts Options) (Renderer, error) {
	for _, f := range formats() {
		if f.name == name {
			return f.new(opts), nil
		}
	}
	return nil, fmt.Errorf("report format %q: want one of %s", name, strings.Join(Formats(), ", "))
}

// WriteFileAtomic writes path through render: into a temporary file in the
// same directory, flushed, fsynced and renamed over path, then the directory
// is fsynced. If render or any step fails, the temporary file is removed and
// path is left as it was (absent, or the previous report). The file is
// created with mode 0644. A path that exists and is not a regular file
// (/dev/null, /dev/stdout, a FIFO) is written in place: renaming over it
// would replace a device node with a file (as root: /dev/null for every
// process of the machine).
func WriteFileAtomic(path string, render func(io.Writer) error) (err error) {
	if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeInPlace(path, render)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err = render(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename durable; a directory that cannot be synced (some
	// filesystems refuse) does not undo a completed write.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writeInPlace writes render's output to an existing non-regular file.
func writeInPlace(path string, render func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = render(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
