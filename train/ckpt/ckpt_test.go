package ckpt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sample returns a State exercising every section kind, with values whose
// bit patterns are easy to lose: NaN with a payload, ±Inf, −0, subnormals.
func sample() *State {
	return &State{
		Model: "ising16",
		Hash:  "11dbd5a0c3f1e2d4b5a6978899aabbccddeeff00112233445566778899aabbcc",
		Step:  1200,
		Epoch: -3,
		Params: []float64{
			1.5, -0.0, math.Inf(1), math.Inf(-1), math.NaN(),
			math.Float64frombits(0x7ff8dead_beef0001), // NaN with a payload
			math.SmallestNonzeroFloat64, math.MaxFloat64,
		},
		Optim: map[string][]float64{
			"adam.v": {0.25, 1e-300},
			"adam.m": {-1, 2, math.NaN()},
			"empty":  {},
		},
		Scalars: map[string]float64{
			"adam.t":   1200,
			"best.nll": math.Float64frombits(0xfff0000000000001), // signalling NaN bits
			"":         -0.0,
		},
		Blobs: map[string][]byte{
			"rng":     {0, 1, 2, 255},
			"metrics": []byte(`{"nll":[1,2]}`),
			"none":    {},
		},
	}
}

// requireSameState compares two States bit for bit, treating nil and empty
// maps and slices as equal.
func requireSameState(t *testing.T, want, got *State) {
	t.Helper()
	require.NotNil(t, got, "loaded State is nil")
	assert.Equal(t, want.Model, got.Model, "Model")
	assert.Equal(t, want.Hash, got.Hash, "Hash")
	assert.Equal(t, want.Step, got.Step, "Step")
	assert.Equal(t, want.Epoch, got.Epoch, "Epoch")
	assert.Equal(t, bits(want.Params), bits(got.Params), "Params bits")
	require.Len(t, got.Optim, len(want.Optim), "Optim keys: got %v", sortedKeys(got.Optim))
	for k, v := range want.Optim {
		require.Contains(t, got.Optim, k, "Optim")
		assert.Equal(t, bits(v), bits(got.Optim[k]), "Optim[%q] bits", k)
	}
	require.Len(t, got.Scalars, len(want.Scalars), "Scalars keys: got %v", sortedKeys(got.Scalars))
	for k, v := range want.Scalars {
		require.Contains(t, got.Scalars, k, "Scalars")
		assert.Equal(t, math.Float64bits(v), math.Float64bits(got.Scalars[k]), "Scalars[%q] bits", k)
	}
	require.Len(t, got.Blobs, len(want.Blobs), "Blobs keys: got %v", sortedKeys(got.Blobs))
	for k, v := range want.Blobs {
		require.Contains(t, got.Blobs, k, "Blobs")
		assert.Equal(t, string(v), string(got.Blobs[k]), "Blobs[%q]", k)
	}
}

func bits(v []float64) []uint64 {
	b := make([]uint64, len(v))
	for i, x := range v {
		b[i] = math.Float64bits(x)
	}
	return b
}

func encodeBytes(t testing.TB, st *State) []byte {
	t.Helper()
	enc, err := newEncoding(st)
	require.NoError(t, err, "newEncoding")
	var buf bytes.Buffer
	require.NoError(t, enc.writeTo(&buf), "writeTo")
	require.EqualValues(t, enc.size, buf.Len(), "encoded size vs precomputed size")
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		st   *State
	}{
		{"zero", &State{}},
		{"empty maps", &State{Params: []float64{}, Optim: map[string][]float64{}, Scalars: map[string]float64{}, Blobs: map[string][]byte{}}},
		{"full", sample()},
		{"big params", &State{Model: "m", Hash: "h", Params: make([]float64, 3*chunkFloats+7)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.ckpt")
			require.NoError(t, Save(path, c.st), "Save(%s)", path)
			got, err := Load(path)
			require.NoError(t, err, "Load(%s)", path)
			requireSameState(t, c.st, got)
			assert.Equal(t, path, got.Path(), "Load(%s).Path()", path)
			assert.NotNil(t, got.Params, "Load returns non-nil Params")
			assert.NotNil(t, got.Optim, "Load returns non-nil Optim")
			assert.NotNil(t, got.Scalars, "Load returns non-nil Scalars")
			assert.NotNil(t, got.Blobs, "Load returns non-nil Blobs")

			entries, err := os.ReadDir(filepath.Dir(path))
			require.NoError(t, err)
			assert.Len(t, entries, 1, "Save leaves only the checkpoint behind, got %v", entries)
		})
	}
}

func TestDeterministic(t *testing.T) {
	a := encodeBytes(t, sample())
	for i := range 20 { // map iteration order differs between runs
		b := encodeBytes(t, sample())
		require.Equal(t, a, b, "encoding #%d differs from the first", i)
	}
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "a.ckpt"), filepath.Join(dir, "b.ckpt")
	require.NoError(t, Save(p1, sample()))
	require.NoError(t, Save(p2, sample()))
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	assert.Equal(t, b1, b2, "Save gives the same bytes for equal States")
	assert.Equal(t, a, b1, "Save writes the encoding")

	// Canonical: decode then encode gives the same bytes.
	st, err := decode(a)
	require.NoError(t, err)
	assert.Equal(t, a, encodeBytes(t, st), "re-encoding a decoded checkpoint")
}

// small is a compact checkpoint with every section kind, used by the
// exhaustive corruption tests.
func small() *State {
	return &State{
		Model: "m", Hash: "ab", Step: 7, Epoch: 1,
		Params:  []float64{1, math.NaN()},
		Optim:   map[string][]float64{"a": {2}},
		Scalars: map[string]float64{"t": 3},
		Blobs:   map[string][]byte{"r": {9}},
	}
}

func TestLoadEveryFlippedByte(t *testing.T) {
	good := encodeBytes(t, small())
	for i := range good {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(good)
			b[i] ^= mask
			st, err := decode(b)
			require.Error(t, err, "decode with byte %d ^= %#x succeeded: %+v", i, mask, st)
			require.Nil(t, st, "decode with byte %d ^= %#x returned a State with its error", i, mask)
			ok := errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotCheckpoint) || errors.Is(err, ErrVersion) || errors.Is(err, ErrTruncated)
			require.True(t, ok, "decode with byte %d ^= %#x: error %q wraps none of the sentinels", i, mask, err)
		}
	}
}

func TestLoadEveryTruncation(t *testing.T) {
	good := encodeBytes(t, small())
	for n := range len(good) {
		st, err := decode(good[:n])
		require.Error(t, err, "decode of the first %d of %d bytes succeeded: %+v", n, len(good), st)
		require.ErrorIs(t, err, ErrTruncated, "decode of the first %d of %d bytes", n, len(good))
	}
	// Extra bytes after the trailer are corruption, not a newer format.
	_, err := decode(append(bytes.Clone(good), 0))
	require.ErrorIs(t, err, ErrCorrupt, "decode with a trailing byte")
}

func TestLoadErrors(t *testing.T) {
	good := encodeBytes(t, small())
	withCRC := func(b []byte) []byte { // re-seal a modified body
		body := b[:len(b)-trailerSize]
		out := bytes.Clone(body)
		var c [4]byte
		putCRC(c[:], body)
		return append(out, c[:]...)
	}
	setU64 := func(b []byte, off int, v uint64) []byte {
		b = bytes.Clone(b)
		for i := range 8 {
			b[off+i] = byte(v >> (8 * i))
		}
		return b
	}
	// Offsets in good: header 24, then section "model" (12 + 0 + 1 bytes).
	const modelLen = headerSize + 4
	cases := []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrTruncated, "truncated: expected at least"},
		{"text file", []byte("hello, world\n"), ErrNotCheckpoint, "not a mafc checkpoint"},
		{"short junk", []byte("PK"), ErrNotCheckpoint, "not a mafc checkpoint"},
		{"version 2", func() []byte { b := bytes.Clone(good); b[8] = 2; return b }(), ErrVersion, "unsupported version 2"},
		{"truncated", good[:len(good)-1], ErrTruncated, "truncated: expected " + strconv.Itoa(len(good)) + " bytes, file has " + strconv.Itoa(len(good)-1)},
		{"checksum", func() []byte { b := bytes.Clone(good); b[len(b)-5] ^= 1; return b }(), ErrCorrupt, "corrupt: checksum mismatch"},
		{"absurd payload length", withCRC(setU64(good, modelLen, 1<<62)), ErrCorrupt, "only"},
		{"huge size field", setU64(good, 16, math.MaxUint64), ErrTruncated, "truncated: expected 18446744073709551615 bytes"},
		{"unknown kind", withCRC(func() []byte { b := bytes.Clone(good); b[headerSize] = 99; return b }()), ErrCorrupt, "unknown kind"},
		{"missing sections", withCRC(func() []byte { b := bytes.Clone(good); b[12] = 2; return b }()), ErrCorrupt, "only 2 sections, missing kind 3"},
		{"uncounted section", withCRC(func() []byte { b := bytes.Clone(good); b[12] = 7; return b }()), ErrCorrupt, "unexplained bytes"},
		{"too many sections", withCRC(func() []byte { b := bytes.Clone(good); b[12] = 200; return b }()), ErrCorrupt, "section header needs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.ckpt")
			require.NoError(t, os.WriteFile(path, c.b, 0o644))
			st, err := Load(path)
			require.Error(t, err, "Load(%s) succeeded: %+v", path, st)
			assert.ErrorIs(t, err, c.want, "Load(%s)", path)
			assert.Contains(t, err.Error(), c.msg, "Load(%s) error", path)
			assert.True(t, strings.HasPrefix(err.Error(), "ckpt: "+path+": "), "Load(%s) error %q names the file", path, err)
		})
	}
}

func TestLoadMissingAndDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "nope.ckpt"))
	require.ErrorIs(t, err, fs.ErrNotExist, "Load of a missing file")
	assert.True(t, strings.HasPrefix(err.Error(), "ckpt: "), "error %q has the package prefix", err)
	_, err = Load(dir)
	require.Error(t, err, "Load of a directory")
	assert.Contains(t, err.Error(), "not a regular file", "Load of a directory")
}

func TestCheckHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.ckpt")
	st := &State{Model: "ising16", Hash: "11dbd5a0c3f1"}
	require.NoError(t, Save(path, st))
	got, err := Load(path)
	require.NoError(t, err)

	assert.NoError(t, got.CheckHash("11dbd5a0c3f1", "ising16"), "CheckHash with the same hash")
	assert.NoError(t, got.CheckHash("11dbd5a0c3f1", "renamed"), "CheckHash with the same hash but another name")

	err = got.CheckHash("5e3245ff0011", "mnist")
	require.ErrorIs(t, err, ErrHashMismatch, "CheckHash with another hash")
	want := `ckpt: checkpoint ` + path + ` is for model "ising16" (hash 11dbd5…) but the spec is model "mnist" (hash 5e3245…): use a checkpoint of the same model or a new output directory`
	assert.Equal(t, want, err.Error(), "CheckHash message")

	// Hashes sharing a prefix are shown long enough to differ.
	err = st.CheckHash("11dbd5a0c3f2", "ising16")
	assert.Contains(t, err.Error(), "checkpoint is for model", "CheckHash of an unsaved State")
	assert.Contains(t, err.Error(), "(hash 11dbd5a0c3f1)", "CheckHash shows a distinguishing prefix")
	assert.Contains(t, err.Error(), "(hash 11dbd5a0c3f2)", "CheckHash shows a distinguishing prefix")
}

// TestCheckHashNamesOverrides: a checkpoint whose run changed the spec with
// -set (train.precision changes the kernels, so the hash) is refused with
// the flags that would load it; a malformed record gives the plain message,
// and a long one is cut.
func TestCheckHashNamesOverrides(t *testing.T) {
	st := &State{Model: "mnistt", Hash: "225ad7aa", Blobs: map[string][]byte{
		OverridesBlob: []byte(`["train.precision=float32","train.optimizer.lr=3e-3"]`)}}
	err := st.CheckHash("3ccb71bb", "mnistt")
	require.ErrorIs(t, err, ErrHashMismatch)
	assert.Equal(t, `ckpt: checkpoint is for model "mnistt" (hash 225ad7…) but the spec is model "mnistt" (hash 3ccb71…): `+
		`the checkpoint's run changed the spec with -set "train.precision=float32" -set "train.optimizer.lr=3e-3": `+
		`give the same spec the same -set flags, or use a checkpoint of this model or a new output directory`, err.Error())

	for _, blob := range []string{`not json`, `[]`, `[1, 2]`, `{"a": "b"}`} {
		st.Blobs[OverridesBlob] = []byte(blob)
		err = st.CheckHash("3ccb71bb", "mnistt")
		assert.True(t, strings.HasSuffix(err.Error(), ": use a checkpoint of the same model or a new output directory"), "blob %s: %v", blob, err)
	}

	long := make([]string, maxHintOverrides+5)
	for i := range long {
		long[i] = fmt.Sprintf("flow.steps=%d", i+1)
	}
	b, _ := json.Marshal(long)
	st.Blobs[OverridesBlob] = b
	err = st.CheckHash("3ccb71bb", "mnistt")
	assert.Contains(t, err.Error(), `-set "flow.steps=16" and 5 more: `)
	assert.NotContains(t, err.Error(), "flow.steps=17")
}

// writableDespiteMode reports whether dir, though chmod 0500, is still
// writable (as for root).
func writableDespiteMode(dir string) bool {
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

func TestSaveUnwritableDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if writableDespiteMode(dir) {
		t.Skip("directory with mode 0500 is still writable (running as root?)")
	}
	path := filepath.Join(dir, "x.ckpt")
	err := Save(path, small())
	require.ErrorIs(t, err, fs.ErrPermission, "Save(%s) into a read-only directory", path)
	assert.Contains(t, err.Error(), "ckpt: "+path+": cannot create a file in", "Save error")
	assert.Contains(t, err.Error(), "permission denied", "Save error")
	assert.Contains(t, err.Error(), "choose another output directory", "Save error says what to do")
}

func TestSaveMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	path := filepath.Join(dir, "x.ckpt")
	err := Save(path, small())
	require.ErrorIs(t, err, fs.ErrNotExist, "Save(%s)", path)
	assert.Equal(t, "ckpt: "+path+": directory "+dir+" does not exist (create it first or choose another output directory)", err.Error(), "Save error")
}

func TestSaveFailureLeavesTargetUntouched(t *testing.T) {
	dir := t.TempDir()
	// The target is a non-empty directory, so the final rename fails.
	target := filepath.Join(dir, "x.ckpt")
	require.NoError(t, os.Mkdir(target, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(target, "keep"), []byte("old"), 0o644))
	err := Save(target, small())
	require.Error(t, err, "Save over a directory")
	assert.Contains(t, err.Error(), "ckpt: "+target+": cannot replace it with", "Save error")
	b, err := os.ReadFile(filepath.Join(target, "keep"))
	require.NoError(t, err, "the existing target survives")
	assert.Equal(t, "old", string(b), "the existing target's content")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "Save leaves no temp file behind: %v", entries)

	// A failing State (name too long) leaves an existing checkpoint alone.
	path := filepath.Join(dir, "y.ckpt")
	require.NoError(t, Save(path, small()))
	before, _ := os.ReadFile(path)
	bad := small()
	bad.Blobs[strings.Repeat("n", maxName+1)] = nil
	err = Save(path, bad)
	require.Error(t, err, "Save with an over-long name")
	assert.Contains(t, err.Error(), "at most 65535 allowed", "Save error")
	after, _ := os.ReadFile(path)
	assert.Equal(t, before, after, "existing checkpoint after a failed Save")
}

func TestSaveRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, Save("rel.ckpt", small()), "Save with a bare file name")
	_, err := Load("rel.ckpt")
	require.NoError(t, err, "Load(rel.ckpt)")
}

func FuzzLoad(f *testing.F) {
	f.Add(encodeBytes(f, small()))
	f.Add(encodeBytes(f, &State{}))
	f.Add(encodeBytes(f, sample()))
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decode(b)
		if err != nil {
			if st != nil {
				t.Fatalf("decode returned a State with error %v", err)
			}
			return
		}
		// The format is canonical: anything accepted re-encodes identically.
		if again := encodeBytes(t, st); !bytes.Equal(again, b) {
			t.Fatalf("decode accepted %d bytes that re-encode to %d different bytes", len(b), len(again))
		}
	})
}

func putCRC(dst, body []byte) {
	binary.LittleEndian.PutUint32(dst, crc32.Checksum(body, castagnoli))
}

func TestSaveNoFileName(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", dir + "/", "."} {
		err := Save(path, small())
		require.Error(t, err, "Save(%q)", path)
		assert.Contains(t, err.Error(), "no file name", "Save(%q)", path)
	}
}

// TestSaveWriteErrorRemovesTemp checks the cleanup after the temporary file
// exists but writing it fails.
func TestSaveWriteErrorRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.ckpt")
	require.NoError(t, Save(path, small()))
	before, _ := os.ReadFile(path)
	err := writeAtomic(path, func(w io.Writer) error { return errors.New("disk full") })
	require.Error(t, err, "writeAtomic with a failing write")
	assert.Contains(t, err.Error(), "ckpt: "+path+": writing ", "writeAtomic error")
	assert.Contains(t, err.Error(), "disk full", "writeAtomic error")
	after, _ := os.ReadFile(path)
	assert.Equal(t, before, after, "existing checkpoint after a failed write")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "no temp file left: %v", entries)
}
