package inventory

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// maxFileSize caps every file read by the default ReadFile (inventory files
// and file()), so a path such as /dev/zero cannot exhaust memory.
const maxFileSize = 4 << 20

// LoadOptions lets callers and tests replace the process environment, the
// file system and the clock. A nil field means the os / time default.
type LoadOptions struct {
	// Getenv looks up environment variables: env() and $HOME.
	// Default os.LookupEnv.
	Getenv func(string) (string, bool)
	// ReadFile reads inventory files and file() arguments. Default: os
	// files, capped at 4 MiB. Directories given to Load are listed from the
	// OS file system.
	ReadFile func(string) ([]byte, error)
	// Now is the clock for expired-waiver warnings. Default time.Now.
	Now func() time.Time

	// hostLimit caps the hosts of an inventory; 0 = maxHosts. Tests and
	// the fuzz target lower it to exercise the guard cheaply.
	hostLimit int
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	if o.ReadFile == nil {
		o.ReadFile = readFileCapped
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.hostLimit <= 0 {
		o.hostLimit = maxHosts
	}
	return o
}

func readFileCapped(name string) ([]byte, error) { return ReadFileCapped(name, maxFileSize) }

// ReadFileCapped reads a configuration file (an inventory, a waiver or plan
// file) of at most max bytes: a regular file (a FIFO or device would block
// or never end), read through a limit so that a file growing meanwhile
// cannot exceed it either.
func ReadFileCapped(name string, max int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO would otherwise wait for a writer; it
	// changes nothing for a regular file
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

// loader is one load: options, and the parser that keeps every parsed file
// for WriteDiagnostics.
type loader struct {
	opts   LoadOptions
	parser *hclparse.Parser
}

func newLoader(opts LoadOptions) *loader {
	return &loader{opts: opts.withDefaults(), parser: hclparse.NewParser()}
}

// Load reads the files or directories named (a directory contributes its
// *.hcl files in lexical order, not recursively), validates and resolves
// them. It returns the parsed files by name, even on error, for
// WriteDiagnostics to print source snippets. Diagnostics carry
// file:line:col ranges; on error the Inventory is nil and
// diags.HasErrors(). Warnings (a literal password, an expired waiver, an
// empty group) come back with Severity DiagWarning even on success.
func Load(paths []string, opts LoadOptions) (*Inventory, map[string]*hcl.File, hcl.Diagnostics) {
	l := newLoader(opts)
	inv, diags := l.load(paths)
	return inv, l.parser.Files(), diags
}

// LoadBytes is Load for in-memory sources (tests, fuzzing): file name →
// content, loaded in lexical order of the names.
func LoadBytes(files map[string][]byte, opts LoadOptions) (*Inventory, map[string]*hcl.File, hcl.Diagnostics) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	srcs := make([]source, 0, len(names))
	for _, n := range names {
		srcs = append(srcs, source{name: n, src: files[n]})
	}
	l := newLoader(opts)
	inv, diags := l.resolve(srcs, nil)
	return inv, l.parser.Files(), diags
}

func (l *loader) load(paths []string) (*Inventory, hcl.Diagnostics) {
	names, diags := collectFiles(paths)
	if diags.HasErrors() {
		return nil, diags
	}
	srcs := make([]source, 0, len(names))
	for _, n := range names {
		b, err := l.opts.ReadFile(n)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read inventory file",
				Detail:   fmt.Sprintf("Reading %s: %v.", n, err),
			})
			continue
		}
		srcs = append(srcs, source{name: n, src: b})
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return l.resolve(srcs, diags)
}

type source struct {
	name string
	src  []byte
}

// collectFiles expands directories to their *.hcl files and drops repeats.
func collectFiles(paths []string) ([]string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	if len(paths) == 0 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No inventory given", Detail: "Name at least one inventory file or directory."}}
	}
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil || !info.IsDir() {
			add(p) // ReadFile reports a missing file (and may be a test double)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read inventory directory", Detail: fmt.Sprintf("Listing %s: %v.", p, err)})
			continue
		}
		n := 0
		for _, e := range entries { // os.ReadDir sorts by name
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".hcl") {
				add(filepath.Join(p, e.Name()))
				n++
			}
		}
		if n == 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty inventory directory", Detail: fmt.Sprintf("%s contains no *.hcl files.", p)})
		}
	}
	return out, diags
}

// resolve parses the sources and, when they parse, decodes and resolves them.
func (l *loader) resolve(srcs []source, diags hcl.Diagnostics) (*Inventory, hcl.Diagnostics) {
	files := make([]parsedFile, 0, len(srcs))
	for _, s := range srcs {
		f, d := l.parser.ParseHCL(s.src, s.name)
		diags = append(diags, d...)
		if f != nil {
			files = append(files, parsedFile{name: s.name, file: f})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	r := newLoadRun(l.opts, l.parser.Sources())
	inv := r.run(files)
	sortDiagnostics(r.diags, inv.Files)
	diags = append(diags, r.diags...)
	if diags.HasErrors() {
		return nil, diags
	}
	return inv, diags
}

type parsedFile struct {
	name string
	file *hcl.File
}

// loadRun is the state of one load: options, sources for diagnostics and
// the diagnostics gathered.
type loadRun struct {
	opts    LoadOptions
	home    string // $HOME, for "~"
	user    string // $USER (or $LOGNAME): the built-in default user
	sources map[string][]byte
	schemas schemas
	diags   hcl.Diagnostics
}

func newLoadRun(opts LoadOptions, sources map[string][]byte) *loadRun {
	r := &loadRun{opts: opts, sources: sources, schemas: newSchemas()}
	r.home, _ = opts.Getenv("HOME")
	return r
}

// decodeFiles decodes the top level of every file with gohcl and returns
// all blocks in file order.
func (r *loadRun) decodeFiles(files []parsedFile) []*decl {
	var out []*decl
	for i, pf := range files {
		var raw rawFile
		r.diags = append(r.diags, gohcl.DecodeBody(pf.file.Body, nil, &raw)...)
		ctx := r.evalContext(pf.name)
		unnamed := func(kind blockKind, bs []*rawBlock) {
			for _, b := range bs {
				out = append(out, &decl{kind: kind, def: b.DefRange, body: b.Body, ctx: ctx, file: i})
			}
		}
		named := func(kind blockKind, bs []*rawNamed) {
			for _, b := range bs {
				out = append(out, &decl{kind: kind, name: b.Name, nameRange: b.NameRange, def: b.DefRange, body: b.Body, ctx: ctx, file: i})
			}
		}
		unnamed(kindDefaults, raw.Defaults)
		named(kindBastion, raw.Bastions)
		named(kindGroup, raw.Groups)
		named(kindHost, raw.Hosts)
		unnamed(kindParams, raw.Params)
		named(kindWaiver, raw.Waivers)
		unnamed(kindHistory, raw.History)
	}
	slices.SortStableFunc(out, func(a, b *decl) int {
		switch {
		case a.before(b):
			return -1
		case b.before(a):
			return 1
		}
		return 0
	})
	return out
}
