package policies

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The built-in kmem pack, the version library the engine always loads, and
// the pure-Rego shim for plain `opa` (used by tests and `kaudit policy
// export`-style tooling; the engine never loads it).
//
//go:embed kmem/*.rego lib/builtin/*.rego lib/shim/*.rego
var embedded embed.FS

// BuiltinPack is the name of the built-in pack.
const BuiltinPack = "kmem"

const (
	builtinDir = "kmem"
	libDir     = "lib/builtin"
	shimDir    = "lib/shim"
	testSuffix = "_test.rego"
	// maxPolicyFile bounds one user policy file.
	maxPolicyFile = 4 << 20
)

// source is one Rego file: where it came from and its text.
type source struct {
	name   string // "builtin:kmem/state.rego" or the file path
	origin string // "builtin" or the pack directory given by the user
	text   string
}

// embeddedSources returns the embedded files of dir; tests are included only
// when withTests.
func embeddedSources(dir string, withTests bool) ([]source, error) {
	entries, err := fs.ReadDir(embedded, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", dir, err)
	}
	var out []source
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".rego") || (!withTests && strings.HasSuffix(n, testSuffix)) {
			continue
		}
		b, err := embedded.ReadFile(path.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", n, err)
		}
		out = append(out, source{name: "builtin:" + path.Join(dir, n), origin: "builtin", text: string(b)})
	}
	return out, nil
}

// dirSources reads every .rego file below dir (recursively, sorted); tests
// are included only when withTests.
func dirSources(dir string, withTests bool) ([]source, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("policy dir %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("policy dir %s: not a directory", dir)
	}
	var out []source
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := d.Name()
		if d.IsDir() {
			if p != dir && strings.HasPrefix(n, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(n, ".rego") || (!withTests && strings.HasSuffix(n, testSuffix)) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Size() > maxPolicyFile {
			return fmt.Errorf("%s: larger than %d bytes", p, maxPolicyFile)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, source{name: p, origin: dir, text: string(b)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read policy dir %s: %w", dir, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("policy dir %s: no .rego files", dir)
	}
	return out, nil
}

// collectSources gathers the engine's sources: the version library, the
// built-in pack unless noBuiltin, and every user dir.
func collectSources(dirs []string, noBuiltin, withTests bool) ([]source, error) {
	srcs, err := embeddedSources(libDir, false)
	if err != nil {
		return nil, err
	}
	if !noBuiltin {
		b, err := embeddedSources(builtinDir, withTests)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, b...)
	}
	for _, d := range dirs {
		s, err := dirSources(d, withTests)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s...)
	}
	return srcs, nil
}

// parseSources parses every source as Rego v1.
func parseSources(srcs []source) (map[string]*ast.Module, error) {
	mods := make(map[string]*ast.Module, len(srcs))
	var errs []error
	for _, s := range srcs {
		if _, dup := mods[s.name]; dup {
			errs = append(errs, fmt.Errorf("%s: loaded twice", s.name))
			continue
		}
		m, err := ast.ParseModuleWithOpts(s.name, s.text, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mods[s.name] = m
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("parse policies: %w", errors.Join(errs...))
	}
	return mods, nil
}

// packInfo is what the sources say about one pack.
type packInfo struct {
	name   string
	origin string
}

// findPacks checks the package layout and returns the packs: packages
// kaudit.<name> that define `results`. Names are sorted with the built-in
// pack first.
func findPacks(srcs []source, mods map[string]*ast.Module) ([]packInfo, error) {
	origin := make(map[string]string, len(srcs))
	for _, s := range srcs {
		origin[s.name] = s.origin
	}
	packs := map[string]string{}  // name → origin
	owners := map[string]string{} // top package name → origin that first used it
	var errs []error
	reported := map[string]bool{} // top package + origin already reported
	for _, src := range srcs {    // in load order: library, built-in pack, user dirs
		n := src.name
		m := mods[n]
		o := origin[n]
		p := m.Package.Path // data.kaudit.<name>...
		if len(p) < 3 || !p[1].Equal(ast.InternedTerm("kaudit")) {
			errs = append(errs, fmt.Errorf("%s: package %v: policies must be in package kaudit.<pack>", n, p))
			continue
		}
		s, ok := p[2].Value.(ast.String)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: package %v: not a plain name", n, p))
			continue
		}
		top := string(s)
		if strings.HasSuffix(top, "_test") && strings.HasSuffix(n, testSuffix) {
			continue // a test package next to its pack
		}
		switch {
		case top == "lib" && o != "builtin":
			errs = append(errs, fmt.Errorf("%s: package kaudit.lib is reserved for kaudit's library", n))
			continue
		case top == "params" || top == "fleet":
			errs = append(errs, fmt.Errorf("%s: package kaudit.%s is reserved (data.kaudit.params holds the inventory params)", n, top))
			continue
		}
		if prev, ok := owners[top]; ok && prev != o {
			if !reported[top+"\x00"+o] {
				reported[top+"\x00"+o] = true
				errs = append(errs, fmt.Errorf("%s: package kaudit.%s is already defined by %s", n, top, describeOrigin(prev)))
			}
			continue
		}
		owners[top] = o
		if len(p) == 3 && definesRule(m, "results") {
			packs[top] = o
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("load policies: %w", errors.Join(errs...))
	}
	out := make([]packInfo, 0, len(packs))
	for n, o := range packs {
		out = append(out, packInfo{name: n, origin: o})
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].name == BuiltinPack) != (out[j].name == BuiltinPack) {
			return out[i].name == BuiltinPack
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

func describeOrigin(o string) string {
	if o == "builtin" {
		return "the built-in pack (use --no-builtin to replace it)"
	}
	return o
}

func definesRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		ref := r.Head.Ref()
		if len(ref) > 0 && ref[0].Equal(ast.VarTerm(name)) {
			return true
		}
	}
	return false
}
