package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mafc-dev/mafc/codegen"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// The build cache.
//
// A spec without a checked-in package runs from a small binary that mafc
// generates and builds on first use: the generated package plus a main that
// calls cli.Exec. The binary is built inside mafc's own module (a checkout,
// the module cache, or a replace target), with the two new files supplied
// as a go build -overlay, so the build uses mafc's go.mod and go.sum as they
// are: no second module, no version of mafc to resolve, no network access
// for mafc itself, and nothing is written into mafc's source tree.
//
// Each entry is a directory <model>-<key>, where key is a SHA-256 over every
// byte that goes into the build: the generated files, the main file, and the
// mafc executable that generated them (so a new mafc, whose runtime may
// differ, never reuses an old binary). The entry records the key and the
// binary's SHA-256 in manifest.json. Before an entry is run it is verified:
// it must be owned by the current user and writable by no one else, hold the
// same key, the same generated sources byte for byte, and a binary with the
// recorded hash. An entry that fails is rebuilt; one that cannot be removed
// is an error.

// cacheFormat changes whenever the layout of an entry changes.
const cacheFormat = 2

const (
	manifestName = "manifest.json"
	binaryName   = "mafc-model"
	sourceSubdir = "src" // the generated sources, kept for verification
	// overlayPkg is where the overlay places the binary's main package
	// inside mafc's module; no such directory exists in the module.
	overlayPkg = "internal/mafcmodelbin"
	// maxManifest bounds the manifest read from the cache.
	maxManifest = 64 << 10
	// keepEntries bounds the cache: building an entry removes the entries
	// of the same model name beyond the keepEntries used last (every mafc
	// build and every edit of a spec's kernels makes a new entry of about
	// 15 MB, which nothing would ever remove).
	keepEntries = 4
)

// manifest is an entry's record of what was built.
type manifest struct {
	Format int    `json:"format"`
	Model  string `json:"model"`
	Key    string `json:"key"`
	Binary string `json:"binary_sha256"`
}

// cacheBuild is what goes into one cached binary.
type cacheBuild struct {
	name  string            // the model's name
	files map[string][]byte // file name relative to the entry's src/ → bytes
	key   string            // hex SHA-256 over everything that goes into the build
}

// mainFile is the binary's main package.
func mainFile() []byte {
	return []byte(`// Command mafc-model runs train, sample and eval for one generated model.
package main

import (
	"os"

	mafcrt "` + modulePath + `/runtime"
	"` + modulePath + `/cli"
	"` + modulePath + `/` + overlayPkg + `/model"
)

func main() {
	os.Exit(cli.Exec(func() mafcrt.Potential { return model.New() }, os.Args[1:], os.Stdout, os.Stderr))
}
`)
}

// newCacheBuild generates the files for p and computes their key.
func newCacheBuild(p *ir.Program) (*cacheBuild, error) {
	gen, err := codegen.Generate(p, codegen.Options{Package: "model"})
	if err != nil {
		return nil, err
	}
	b := &cacheBuild{name: p.Name, files: map[string][]byte{"main.go": mainFile()}}
	for _, f := range gen {
		if strings.HasSuffix(f.Name, "_test.go") {
			continue
		}
		b.files["model/"+f.Name] = f.Data
	}
	id, err := selfID()
	if err != nil {
		return nil, err
	}
	b.key = cacheKey(id, b.files)
	return b, nil
}

// cacheKey hashes the identity of this mafc and every file of the build,
// each framed by its name and length so no two different builds share a key.
func cacheKey(self string, files map[string][]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "mafc build cache %d\x00%s\x00", cacheFormat, self)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

var selfOnce struct {
	sync.Once
	id  string
	err error
}

// selfID identifies the running mafc: the SHA-256 of its executable, which
// covers the runtime linked into every binary it builds.
func selfID() (string, error) {
	selfOnce.Do(func() {
		exe, err := os.Executable()
		if err == nil {
			selfOnce.id, err = fileSHA256(exe)
		}
		if err != nil {
			selfOnce.err = fmt.Errorf("cannot read the mafc executable to key the build cache: %w", err)
		}
	})
	return selfOnce.id, selfOnce.err
}

// cachedBinary returns the path of the verified binary for p, generating
// and building it (and saying so) when the cache has no valid entry.
func cachedBinary(p *ir.Program, stderr io.Writer) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	b, err := newCacheBuild(p)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, p.Name+"-"+b.key[:24])
	bin := filepath.Join(dir, binaryName)
	verr := b.verify(dir)
	if verr == nil {
		// the modification time orders the entries by last use (prune)
		now := time.Now()
		os.Chtimes(dir, now, now)
		return bin, nil
	}
	if !errors.Is(verr, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "mafc: the cached build %s failed verification (%v): rebuilding it\n", dir, verr)
		if err := os.RemoveAll(dir); err != nil {
			return "", fmt.Errorf("cannot remove the unverified cache entry %s: %w (remove it by hand, or set MAFC_CACHE to another directory)", dir, err)
		}
	}
	fmt.Fprintf(stderr, "mafc: %s has no built-in package: generating and compiling it into %s (first use only)\n", p.File, dir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(root, ".build-*")
	if err != nil {
		return "", fmt.Errorf("cannot use the cache directory %s: %w (set MAFC_CACHE)", root, err)
	}
	defer os.RemoveAll(tmp)
	if err := b.build(tmp, p.File); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another mafc may have built the same entry meanwhile.
		if b.verify(dir) == nil {
			return bin, nil
		}
		return "", fmt.Errorf("cannot move the build into the cache: %w", err)
	}
	if err := b.verify(dir); err != nil {
		return "", fmt.Errorf("the new cache entry %s does not verify: %w", dir, err)
	}
	prune(root, p.Name, dir, keepEntries)
	return bin, nil
}

// prune removes the cache entries <name>-<24 hex digits> in root beyond the
// keep used last (the newest modification times; keep counts the entry
// dir, which stays). It removes only directories the current user owns and
// no one else can write, and ignores what it cannot read or remove: a
// pruned entry is rebuilt when it is needed again, and a process running
// its binary keeps running.
func prune(root, name, dir string, keep int) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	type entry struct {
		path string
		mod  time.Time
	}
	var old []entry
	for _, e := range ents {
		path := filepath.Join(root, e.Name())
		if !isEntryName(e.Name(), name) || path == dir || ownedPrivate(path, true) != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		old = append(old, entry{path, fi.ModTime()})
	}
	sort.Slice(old, func(i, j int) bool { return old[i].mod.After(old[j].mod) })
	for _, e := range old[min(len(old), max(keep-1, 0)):] {
		os.RemoveAll(e.path)
	}
}

// isEntryName reports whether s is the name of a cache entry of the model
// name: name, a hyphen and 24 lowercase hexadecimal digits.
func isEntryName(s, name string) bool {
	key, ok := strings.CutPrefix(s, name+"-")
	if !ok || len(key) != 24 {
		return false
	}
	for _, c := range key {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// build writes the sources into dir/src, builds dir/mafc-model inside
// mafc's module through an overlay, and writes the manifest.
func (b *cacheBuild) build(dir, specFile string) error {
	src, err := moduleSource()
	if err != nil {
		return err
	}
	overlay := map[string]string{}
	for name, data := range b.files {
		path := filepath.Join(dir, sourceSubdir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		overlay[filepath.Join(src, filepath.FromSlash(overlayPkg), filepath.FromSlash(name))] = path
	}
	ov, err := json.Marshal(struct{ Replace map[string]string }{overlay})
	if err != nil {
		return err
	}
	ovPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
		return err
	}
	bin := filepath.Join(dir, binaryName)
	build := exec.Command(goCommand(), "build", "-overlay", ovPath, "-o", bin, "./"+overlayPkg)
	build.Dir = src
	// mafc's own go.mod and go.sum decide every version; never edit them
	// (the module cache is read-only anyway), whatever the user's GOFLAGS.
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return fmt.Errorf("building %s needs the Go toolchain on PATH: %w", specFile, err)
		}
		return fmt.Errorf("building the generated package for %s in %s failed (a mafc bug; please report it):\n%s", specFile, src, out.String())
	}
	os.Remove(ovPath)
	// go build makes the binary writable by the group under umask 002;
	// verify refuses that, so set the mode explicitly.
	if err := os.Chmod(bin, 0o755); err != nil {
		return err
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return err
	}
	m, err := json.MarshalIndent(manifest{Format: cacheFormat, Model: b.name, Key: b.key, Binary: sum}, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, manifestName), append(m, '\n'), 0o644)
}

// verify checks the cache entry dir against b: ownership and permissions,
// the manifest's key, the sources byte for byte, and the binary's hash. It
// returns an error wrapping fs.ErrNotExist when there is no entry at all.
func (b *cacheBuild) verify(dir string) error {
	if err := ownedPrivate(dir, true); err != nil {
		return err
	}
	mpath := filepath.Join(dir, manifestName)
	if err := ownedPrivate(mpath, false); err != nil {
		return err
	}
	raw, err := limits.ReadFile(mpath, maxManifest, "a cache manifest")
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %v", manifestName, err)
	}
	if m.Format != cacheFormat || m.Key != b.key || m.Model != b.name {
		return fmt.Errorf("%s is for another build", manifestName)
	}
	for name, want := range b.files {
		path := filepath.Join(dir, sourceSubdir, filepath.FromSlash(name))
		if err := ownedPrivate(path, false); err != nil {
			return err
		}
		got, err := limits.ReadFile(path, int64(len(want)), "a cached file")
		if err != nil || !bytes.Equal(got, want) {
			return fmt.Errorf("source %s differs from the generated one", name)
		}
	}
	bin := filepath.Join(dir, binaryName)
	if err := ownedPrivate(bin, false); err != nil {
		return err
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return err
	}
	if sum != m.Binary {
		return fmt.Errorf("%s has SHA-256 %.16s…, the manifest says %.16s…", binaryName, sum, m.Binary)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// goCommand returns the go command: $GOROOT/bin/go when GOROOT is set,
// otherwise go from PATH.
func goCommand() string {
	if r := os.Getenv("GOROOT"); r != "" {
		if _, err := os.Stat(filepath.Join(r, "bin", "go")); err == nil {
			return filepath.Join(r, "bin", "go")
		}
	}
	return "go"
}

// moduleSource returns the root of the mafc module source to build
// against: the one this binary was compiled from (a checkout or the module
// cache), else the module cache's copy of the version or replacement that
// the build information names.
func moduleSource() (string, error) {
	if dir := sourceDir(); dir != "" {
		return dir, nil
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("cannot find mafc's source to build the model against: this binary has no build information")
	}
	mod := &bi.Main
	if mod.Path != modulePath {
		mod = nil
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				mod = d
				break
			}
		}
	}
	if mod != nil && mod.Replace != nil {
		mod = mod.Replace
	}
	if mod == nil {
		return "", errors.New("cannot find mafc's source to build the model against: the build information does not name module " + modulePath)
	}
	if filepath.IsAbs(mod.Path) && isMafcRoot(mod.Path) {
		return mod.Path, nil
	}
	esc := escapeModulePath(mod.Path)
	out, err := exec.Command(goCommand(), "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("cannot find the module cache (go env GOMODCACHE): %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(esc)+"@"+mod.Version)
	if isMafcRoot(dir) {
		return dir, nil
	}
	return "", fmt.Errorf("cannot find mafc's source to build the model against (looked for %s): run `go mod download %s@%s`, or build mafc without -trimpath", dir, modulePath, mod.Version)
}

// sourceDir returns the directory of the mafc module this binary was built
// from, when it can be found (a checkout, or the module cache).
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Dir(filepath.Dir(filepath.Dir(file))) // cmd/mafc/cache.go → root
	if !isMafcRoot(dir) {
		return ""
	}
	return dir
}

// isMafcRoot reports whether dir holds mafc's go.mod.
func isMafcRoot(dir string) bool {
	b, err := limits.ReadFile(filepath.Join(dir, "go.mod"), 1<<20, "a go.mod")
	return err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n"))
}

// escapeModulePath writes a module path as the module cache does: each
// upper-case letter becomes '!' and its lower-case form.
func escapeModulePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
