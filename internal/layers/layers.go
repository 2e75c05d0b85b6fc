// Package layers enforces hops' import and determinism rules (see
// ARCHITECTURE.md and DESIGN.md, "Layers and packages").
//
// Every package of the module must match an entry of [Table], which gives
// it a layer: a rank (project imports point to lower ranks only), whether
// it may use only the standard library, whether it runs inside the
// simulation (and so must be deterministic), and whether it is a sans-I/O
// protocol engine (which uses sim's values but never its kernel). [Check]
// reads each package's files with go/parser and reports every broken rule
// with its file:line:col; the test runs it on the real tree (package list
// from `go list`) and on the fixtures in testdata.
package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Module is hops' module path.
const Module = "github.com/hopsnet/hops"

// A Layer is what the rules know about the packages matching Pattern.
type Layer struct {
	// Pattern is a package path relative to the module: "sim" matches
	// exactly that package, "trace/..." matches trace and everything
	// under it. An exact pattern beats a "/..." one, and a longer
	// "/..." pattern beats a shorter one.
	Pattern string
	// Rank orders the layers: a package may import a project package of a
	// lower rank, or one matched by its own entry (its family, such as
	// browser/layout importing browser/dom). Nothing else of the project.
	Rank int
	// StdOnly: non-test files import only the standard library and
	// project packages that are StdOnly themselves, so that the package
	// depends, transitively, on the standard library alone.
	StdOnly bool
	// Sim: the package runs inside the simulation, so its non-test files
	// start no goroutines, read no wall clock and use no global random
	// source (see the rules in [Check]).
	Sim bool
	// Engine: a sans-I/O protocol engine. It may name only sim.Time,
	// sim.Never and sim.Rand of package sim (values handed to it), never
	// the kernel: it returns deadlines instead of scheduling events.
	Engine bool
	// Deny lists patterns the package must not import even though they
	// rank lower, and DenyWhy says why.
	Deny    []string
	DenyWhy string
}

// browserDeny keeps the browser off the network: it reaches it only
// through a small fetch interface that an app implements.
var browserDeny = []string{"wire", "packet", "tcp/...", "udp/...", "routing/...", "dns/...", "http/..."}

// Table gives every package of the module its layer, from the bottom up.
// Entries for packages that do not exist yet (seq's users tcp, udp, dns,
// http, routing, browser; live, web, trace writers) are here so that those
// packages land with a layer already.
var Table = []Layer{
	// Base: the standard library only, no project imports.
	{Pattern: "sim", Rank: 0, StdOnly: true, Sim: true},          // kernel: Time, event queue, timers, random streams
	{Pattern: "seq", Rank: 0, StdOnly: true, Sim: true},          // 32-bit sequence-number arithmetic
	{Pattern: "wire", Rank: 0, StdOnly: true, Sim: true},         // codecs: IPv4, ICMP, UDP, TCP, checksums
	{Pattern: "packet", Rank: 0, StdOnly: true, Sim: true},       // packet buffers, pool, stable IDs
	{Pattern: "trace/pcapng", Rank: 0, StdOnly: true, Sim: true}, // pcapng writer
	// The event bus sits low: links, nodes and engines emit into it.
	{Pattern: "trace", Rank: 10, StdOnly: true, Sim: true},
	// Sans-I/O protocol engines, in DESIGN.md's order. They sit below
	// link and node, so they can import neither.
	{Pattern: "tcp/...", Rank: 20, StdOnly: true, Sim: true, Engine: true},
	{Pattern: "udp/...", Rank: 20, StdOnly: true, Sim: true, Engine: true},
	{Pattern: "nat/...", Rank: 20, StdOnly: true, Sim: true, Engine: true}, // NAPT translation (RFC 4787, 5382)
	{Pattern: "routing/...", Rank: 30, Sim: true, Engine: true},
	{Pattern: "dns/...", Rank: 40, Sim: true, Engine: true},
	{Pattern: "dhcp/...", Rank: 40, Sim: true, Engine: true}, // DHCPv4 client and server (RFC 2131)
	{Pattern: "http/...", Rank: 50, Sim: true, Engine: true},
	{Pattern: "browser/...", Rank: 60, Sim: true, Engine: true, Deny: browserDeny,
		DenyWhy: "the browser reaches the network only through its fetch interface"},
	// The network: links, then hosts and routers.
	{Pattern: "link", Rank: 70, StdOnly: true, Sim: true},
	{Pattern: "lan", Rank: 75, StdOnly: true, Sim: true}, // Ethernet switches joining links into a LAN
	{Pattern: "node", Rank: 80, StdOnly: true, Sim: true},
	// Apps running on nodes (ping, traceroute, later DNS servers, web
	// servers, the browser app).
	{Pattern: "app/...", Rank: 90, Sim: true},
	// Observers and writers on the bus: capture, HAR, narration, plots.
	{Pattern: "trace/...", Rank: 100, Sim: true},
	// Scenario files and the world built from them.
	{Pattern: "world/scenario", Rank: 110, Sim: true},
	{Pattern: "world/...", Rank: 120, Sim: true},
	// Outside the simulation: real time, goroutines, I/O.
	{Pattern: "live/...", Rank: 130},
	{Pattern: "web/...", Rank: 140},
	{Pattern: "cmd/...", Rank: 150},
	// Test helpers and this checker; no other layer may import them.
	{Pattern: "internal/...", Rank: 160},
}

// Lookup returns the layer of the package at rel (a path relative to the
// module, "." for its root), or nil if it has none.
func Lookup(rel string) *Layer {
	var best *Layer
	bestLen := -1
	for i := range Table {
		l := &Table[i]
		if l.Pattern == rel {
			return l
		}
		if match(l.Pattern, rel) && len(l.Pattern) > bestLen {
			best, bestLen = l, len(l.Pattern)
		}
	}
	return best
}

// match reports whether pattern matches rel.
func match(pattern, rel string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == base || strings.HasPrefix(rel, base+"/")
	}
	return pattern == rel
}

// A Package is one package to check.
type Package struct {
	Path      string   // import path
	Dir       string   // its directory
	Files     []string // non-test .go files, names relative to Dir
	TestFiles []string // _test.go files (in-package and external tests)
}

// A Violation is one broken rule.
type Violation struct {
	Pos  token.Position // file relative to the module root
	Rule string
	Msg  string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: [%s] %s", v.Pos, v.Rule, v.Msg)
}

// The rules, as they appear in messages.
const (
	RuleLayer      = "layer"          // every package has a layer
	RuleParse      = "parse"          // every file parses
	RuleDown       = "import-down"    // project imports point to lower layers
	RuleDeny       = "import-deny"    // a layer's explicit import ban
	RuleStdOnly    = "stdlib-only"    // stdlib-only layers import no third-party code
	RuleGo         = "no-goroutine"   // no go statements, no sync.WaitGroup
	RuleClock      = "no-wall-clock"  // no time.Now, time.Sleep, timers ...
	RuleRand       = "no-global-rand" // no global math/rand functions, no crypto/rand
	RuleDotImport  = "no-dot-import"  // no dot imports of time, rand, sim
	RuleEngineKern = "engine-kernel"  // engines use sim values, never the kernel
)

// wallClock lists the functions of package time that read the wall clock
// or wait in real time.
var wallClock = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "NewTimer": true, "NewTicker": true, "Tick": true,
}

// randAllowed lists what a simulation package may name in math/rand and
// math/rand/v2: the types and the constructors of local generators. Every
// other name there is a function of the global, unseeded source.
var randAllowed = map[string]map[string]bool{
	"math/rand": {"New": true, "NewSource": true, "NewZipf": true,
		"Rand": true, "Source": true, "Source64": true, "Zipf": true},
	"math/rand/v2": {"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
		"Rand": true, "Source": true, "PCG": true, "ChaCha8": true, "Zipf": true},
}

// engineSim lists what an engine may name in package sim: values it is
// handed, never the kernel or its timers and handlers.
var engineSim = map[string]bool{"Time": true, "Never": true, "Rand": true}

// Check checks pkgs, whose import paths start with module and whose
// directories lie under root, and returns the violations sorted by
// position.
func Check(module, root string, pkgs []Package) []Violation {
	var vs []Violation
	c := &checker{module: module, root: root, fset: token.NewFileSet()}
	for _, p := range pkgs {
		vs = append(vs, c.pkg(p)...)
	}
	slices.SortStableFunc(vs, func(a, b Violation) int {
		if a.Pos.Filename != b.Pos.Filename {
			return strings.Compare(a.Pos.Filename, b.Pos.Filename)
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	return vs
}

type checker struct {
	module, root string
	fset         *token.FileSet
}

// rel returns p relative to the module ("." for the module itself) and
// whether p is in the module.
func (c *checker) rel(p string) (string, bool) {
	if p == c.module {
		return ".", true
	}
	r, ok := strings.CutPrefix(p, c.module+"/")
	return r, ok
}

func (c *checker) pos(p token.Pos) token.Position {
	pos := c.fset.Position(p)
	if r, err := filepath.Rel(c.root, pos.Filename); err == nil {
		pos.Filename = filepath.ToSlash(r)
	}
	return pos
}

func (c *checker) pkg(p Package) []Violation {
	var vs []Violation
	rel, _ := c.rel(p.Path)
	layer := Lookup(rel)
	first := true
	for _, name := range append(slices.Clone(p.Files), p.TestFiles...) {
		test := strings.HasSuffix(name, "_test.go")
		f, err := parser.ParseFile(c.fset, filepath.Join(p.Dir, name), nil, 0)
		if err != nil {
			fn, _ := filepath.Rel(c.root, filepath.Join(p.Dir, name))
			vs = append(vs, Violation{Pos: token.Position{Filename: filepath.ToSlash(fn), Line: 1, Column: 1},
				Rule: RuleParse, Msg: err.Error()})
			continue
		}
		if first {
			first = false
			if layer == nil {
				vs = append(vs, Violation{Pos: c.pos(f.Package), Rule: RuleLayer,
					Msg: fmt.Sprintf("package %s has no layer: add it to Table in internal/layers/layers.go", rel)})
			}
		}
		if layer == nil {
			continue
		}
		if !test {
			vs = append(vs, c.imports(rel, layer, f)...)
		}
		vs = append(vs, c.syntax(layer, f, test)...)
	}
	return vs
}

// imports checks the project and third-party imports of a non-test file.
func (c *checker) imports(rel string, layer *Layer, f *ast.File) []Violation {
	var vs []Violation
	for _, is := range f.Imports {
		path, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			continue
		}
		add := func(rule, msg string) {
			vs = append(vs, Violation{Pos: c.pos(is.Path.Pos()), Rule: rule, Msg: msg})
		}
		if r, ours := c.rel(path); ours {
			to := Lookup(r)
			if to == nil {
				continue // reported on that package itself
			}
			for _, d := range layer.Deny {
				if match(d, r) {
					add(RuleDeny, fmt.Sprintf("%s imports %s: %s", rel, r, layer.DenyWhy))
				}
			}
			if to != layer && to.Rank >= layer.Rank {
				add(RuleDown, fmt.Sprintf("%s (layer %s, rank %d) imports %s (layer %s, rank %d), which is not below it",
					rel, layer.Pattern, layer.Rank, r, to.Pattern, to.Rank))
			}
			if layer.StdOnly && !to.StdOnly {
				add(RuleStdOnly, fmt.Sprintf("%s may use only the standard library, but imports %s, which may use third-party code", rel, r))
			}
			continue
		}
		if layer.StdOnly && !isStd(path) {
			add(RuleStdOnly, fmt.Sprintf("%s may use only the standard library, but imports %s", rel, path))
		}
	}
	return vs
}

// isStd reports whether an import path is in the standard library (no dot
// in its first element).
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// importName is the name a file refers to an import by when the import
// does not rename it: the last path element, without a /vN suffix.
func importName(path string) string {
	elems := strings.Split(path, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = elems[len(elems)-2]
	}
	return name
}

// syntax checks a file's syntax tree for the determinism and engine rules.
//
// In a simulation package's non-test files: no go statement, no
// sync.WaitGroup; no time.Now, Since, Until, Sleep, After, AfterFunc,
// NewTimer, NewTicker, Tick; in math/rand and math/rand/v2 only the types
// and constructors of local generators (New, NewPCG, ...); no crypto/rand;
// no dot import of time, sync, math/rand, math/rand/v2 or crypto/rand.
// In its test files only the random-source rules apply (a failing test
// must reproduce from its seed); tests may use goroutines and the clock.
// In an engine's non-test files: of package sim only Time, Never and Rand,
// and no dot import of sim.
func (c *checker) syntax(layer *Layer, f *ast.File, test bool) []Violation {
	var vs []Violation
	add := func(p token.Pos, rule, msg string) {
		vs = append(vs, Violation{Pos: c.pos(p), Rule: rule, Msg: msg})
	}
	simPath := c.module + "/sim"
	names := map[string]string{} // local name → import path, for the paths we watch
	for _, is := range f.Imports {
		path, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			continue
		}
		watched := false
		switch path {
		case "time", "sync":
			watched = layer.Sim && !test
		case "math/rand", "math/rand/v2":
			watched = layer.Sim
		case "crypto/rand":
			if layer.Sim {
				add(is.Path.Pos(), RuleRand, "crypto/rand in a simulation package: draw from a named sim.Rand stream")
			}
		case simPath:
			watched = layer.Engine && !test
		}
		if !watched {
			continue
		}
		name := importName(path)
		if is.Name != nil {
			name = is.Name.Name
		}
		switch name {
		case ".":
			add(is.Pos(), RuleDotImport, fmt.Sprintf("dot import of %s: its names cannot be checked", path))
		case "_":
		default:
			names[name] = path
		}
	}
	if !layer.Sim {
		return vs
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			if !test {
				add(n.Go, RuleGo, "go statement in a simulation package: schedule an event on the kernel instead")
			}
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok || id.Obj != nil { // id.Obj != nil: a local name, not an import
				return true
			}
			path, ok := names[id.Name]
			if !ok {
				return true
			}
			sel := n.Sel.Name
			switch path {
			case "time":
				if wallClock[sel] {
					add(n.Pos(), RuleClock, fmt.Sprintf("time.%s in a simulation package: use the kernel's virtual time (sim.Time)", sel))
				}
			case "sync":
				if sel == "WaitGroup" {
					add(n.Pos(), RuleGo, "sync.WaitGroup in a simulation package: it waits for goroutines")
				}
			case "math/rand", "math/rand/v2":
				if !randAllowed[path][sel] {
					add(n.Pos(), RuleRand, fmt.Sprintf("%s.%s uses the global random source: draw from a named sim.Rand stream", path, sel))
				}
			case simPath:
				if !engineSim[sel] {
					add(n.Pos(), RuleEngineKern, fmt.Sprintf("engine names sim.%s: engines use only sim.Time, sim.Never and sim.Rand and return deadlines instead of using the kernel", sel))
				}
			}
		}
		return true
	})
	return vs
}

// List returns the module's packages as `go list` sees them, run in dir,
// and the module's root directory. Files that build constraints exclude
// are checked too, except `//go:build ignore` programs.
func List(dir string) (root string, pkgs []Package, err error) {
	cmd := exec.Command("go", "list", "-e",
		"-json=ImportPath,Dir,GoFiles,CgoFiles,IgnoredGoFiles,TestGoFiles,XTestGoFiles", Module+"/...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("go list: %v\n%s", err, stderr.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var lp struct {
			ImportPath, Dir                                              string
			GoFiles, CgoFiles, IgnoredGoFiles, TestGoFiles, XTestGoFiles []string
		}
		if err := dec.Decode(&lp); err != nil {
			return "", nil, fmt.Errorf("go list: %v", err)
		}
		p := Package{Path: lp.ImportPath, Dir: lp.Dir}
		p.Files = append(append(p.Files, lp.GoFiles...), lp.CgoFiles...)
		p.TestFiles = append(append(p.TestFiles, lp.TestGoFiles...), lp.XTestGoFiles...)
		for _, name := range lp.IgnoredGoFiles {
			if ignoreTagged(filepath.Join(lp.Dir, name)) {
				continue
			}
			if strings.HasSuffix(name, "_test.go") {
				p.TestFiles = append(p.TestFiles, name)
			} else {
				p.Files = append(p.Files, name)
			}
		}
		if rel, ok := strings.CutPrefix(lp.ImportPath, Module+"/"); ok && root == "" {
			root = strings.TrimSuffix(lp.Dir, string(filepath.Separator)+filepath.FromSlash(rel))
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 || root == "" {
		return "", nil, fmt.Errorf("go list %s/... found no packages", Module)
	}
	return root, pkgs, nil
}

// ignoreTagged reports whether a file's //go:build line mentions the tag
// "ignore" (a program run by go run or go generate, not package code).
func ignoreTagged(file string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return false
	}
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, cm := range cg.List {
			if !constraint.IsGoBuild(cm.Text) {
				continue
			}
			x, err := constraint.Parse(cm.Text)
			if err != nil {
				continue
			}
			if hasTag(x, "ignore") {
				return true
			}
		}
	}
	return false
}

// hasTag reports whether a build constraint mentions tag.
func hasTag(x constraint.Expr, tag string) bool {
	switch x := x.(type) {
	case *constraint.TagExpr:
		return x.Tag == tag
	case *constraint.NotExpr:
		return hasTag(x.X, tag)
	case *constraint.AndExpr:
		return hasTag(x.X, tag) || hasTag(x.Y, tag)
	case *constraint.OrExpr:
		return hasTag(x.X, tag) || hasTag(x.Y, tag)
	}
	return false
}

// Dir returns the packages in a fixture tree: every directory under root
// holding .go files is the package module/<its path under root>.
func Dir(module, root string) ([]Package, error) {
	var pkgs []Package
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		p := Package{Path: module, Dir: path}
		if rel != "." {
			p.Path += "/" + filepath.ToSlash(rel)
		}
		for _, e := range entries {
			switch name := e.Name(); {
			case e.IsDir() || !strings.HasSuffix(name, ".go"):
			case strings.HasSuffix(name, "_test.go"):
				p.TestFiles = append(p.TestFiles, name)
			default:
				p.Files = append(p.Files, name)
			}
		}
		if len(p.Files)+len(p.TestFiles) > 0 {
			pkgs = append(pkgs, p)
		}
		return nil
	})
	return pkgs, err
}
