package main

// The rooms of the house and what each may import, as the README's
// Architecture section states them: a test over `go list -deps`.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/wsx-cli/wsx"

// ours lists, for every package of the module (tests and scripts aside),
// the packages of the module it depends on, directly or not.
func ours(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{range .Deps}} {{.}}{{end}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) || strings.Contains(fields[0], "/scripts/") {
			continue
		}
		var ds []string
		for _, d := range fields[1:] {
			if strings.HasPrefix(d, module) || strings.HasPrefix(d, "github.com/urfave/cli") {
				ds = append(ds, strings.TrimPrefix(strings.TrimPrefix(d, module), "/"))
			}
		}
		deps[strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")] = ds
	}
	return deps
}

func TestImportRules(t *testing.T) {
	deps := ours(t)
	if len(deps) < 10 {
		t.Fatalf("go list found only %d packages: %v", len(deps), deps)
	}
	if !slices.ContainsFunc(deps["cmd"], func(d string) bool { return strings.HasPrefix(d, "github.com/urfave/cli") }) ||
		!slices.Contains(deps["listen"], "internal/wire") {
		t.Fatalf("go list's answer does not show cmd's and listen's own imports: %v", deps)
	}
	only := func(pkg string, allowed ...string) {
		for _, d := range deps[pkg] {
			if !slices.Contains(allowed, d) {
				t.Errorf("%s depends on %s; it may depend only on %v of wsx's packages", pkg, d, allowed)
			}
		}
	}
	only("closecodes")
	only("internal/exit")
	only("internal/utf8check")
	only("internal/outwatch")
	only("internal/atomicfile")
	only("internal/clidoc", "internal/exit")
	only("format", "closecodes")
	only("internal/wire", "closecodes")
	only("internal/wstest", "internal/exit")
	only("internal/benchref")
	for pkg, ds := range deps {
		if pkg != "" && pkg != "cmd" && slices.ContainsFunc(ds, func(d string) bool { return strings.HasPrefix(d, "github.com/urfave/cli") }) {
			t.Errorf("%s depends on urfave/cli: only cmd may", pkg)
		}
		if (pkg == "send" && slices.Contains(ds, "listen")) || (pkg == "listen" && slices.Contains(ds, "send")) {
			t.Errorf("%s depends on %s: send and listen never import each other", pkg, map[string]string{"send": "listen", "listen": "send"}[pkg])
		}
		if pkg != "" && pkg != "cmd" && slices.Contains(ds, "cmd") {
			t.Errorf("%s depends on cmd", pkg)
		}
		if !strings.HasPrefix(pkg, "internal/wstest") && slices.Contains(ds, "internal/wstest") {
			t.Errorf("%s depends on the test kit internal/wstest outside its tests", pkg)
		}
		if pkg != "internal/benchref" && slices.Contains(ds, "internal/benchref") {
			t.Errorf("%s depends on internal/benchref, the bench's reference: only a benchfloor build may", pkg)
		}
	}
}

// TestOnlyMainExits: no package but main calls os.Exit.
func TestOnlyMainExits(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			path == "main.go" || strings.HasPrefix(path, "scripts"+string(filepath.Separator)) {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(src, []byte("os.Exit(")) {
			t.Errorf("%s calls os.Exit: only main.go may", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
