// Command importlint checks that every package imports only what the package
// map in the house style allows: our own packages point one way, and each
// third-party module comes in through one door. Test files are exempt (tests
// may import the official RocketMQ client for compatibility checks).
//
// Usage: go run ./cmd/importlint [module root]
//
// It exits 1 and lists every offending import when a rule is broken.
package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// rule lists what one top-level package may import. Sub-packages
// (internal/, xxxtest) follow their top-level package's rule and may always
// import their own top-level package.
type rule struct {
	ours       []string // our top-level packages
	thirdParty []string // module path prefixes
}

// rules mirrors the table in ../shared/docs/style.md §2. perf is a leaf that
// anyone may use, so it is added to every rule below.
var rules = map[string]rule{
	"protocol":  {thirdParty: []string{"github.com/klauspost/compress"}},
	"perf":      {thirdParty: []string{"github.com/HdrHistogram/hdrhistogram-go"}},
	"mmapstore": {ours: []string{"protocol"}, thirdParty: []string{"github.com/edsrzf/mmap-go", "golang.org/x/sys"}},
	"index":     {ours: []string{"mmapstore", "protocol"}},
	"netpoll":   {ours: []string{"protocol"}, thirdParty: []string{"github.com/panjf2000/gnet/v2", "golang.org/x/sys", "github.com/valyala/bytebufferpool"}},
	"namesrv":   {ours: []string{"protocol", "netpoll"}},
	"replica":   {ours: []string{"mmapstore", "protocol", "netpoll"}, thirdParty: []string{"github.com/hashicorp/raft", "go.etcd.io/raft"}},
	"broker":    {ours: []string{"protocol", "mmapstore", "index", "netpoll", "replica"}},
	"client":    {ours: []string{"protocol", "netpoll"}, thirdParty: []string{"github.com/valyala/bytebufferpool", "github.com/klauspost/compress"}},
	"bench":     {ours: []string{"client", "protocol"}, thirdParty: []string{"github.com/apache/rocketmq-client-go/v2", "github.com/nats-io/nats.go"}},
	"cmd":       {ours: []string{"*"}, thirdParty: []string{"*"}},
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "importlint:", err)
		os.Exit(2)
	}
	problems, err := check(root, module)
	if err != nil {
		fmt.Fprintln(os.Stderr, "importlint:", err)
		os.Exit(2)
	}
	sort.Strings(problems)
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func modulePath(goMod string) (string, error) {
	b, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("no module line in %s", goMod)
}

func check(root, module string) ([]string, error) {
	var problems []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		top := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		r, ok := rules[top]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: file outside the package map (top-level %q)", rel, top))
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if why := verdict(top, r, module, p); why != "" {
				problems = append(problems, fmt.Sprintf("%s: imports %s: %s", rel, p, why))
			}
		}
		return nil
	})
	return problems, err
}

// verdict returns "" when package top may import p, else the reason it may not.
func verdict(top string, r rule, module, p string) string {
	if !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
		return "" // standard library
	}
	if rest, ok := strings.CutPrefix(p, module+"/"); ok {
		target := strings.SplitN(rest, "/", 2)[0]
		if target == top || target == "perf" || slices.Contains(r.ours, "*") || slices.Contains(r.ours, target) {
			return ""
		}
		return fmt.Sprintf("%s may not import our package %s (style.md §2)", top, target)
	}
	if slices.Contains(r.thirdParty, "*") {
		return ""
	}
	for _, allowed := range r.thirdParty {
		if p == allowed || strings.HasPrefix(p, allowed+"/") {
			return ""
		}
	}
	return fmt.Sprintf("third-party module not allowed in %s (style.md §2)", top)
}
