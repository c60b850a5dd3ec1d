package ckpt

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/mafc-dev/mafc/internal/atomicfile"
)

// State is everything a training run needs to continue exactly where it
// stopped. The zero value is a valid (empty) State; nil and empty maps and
// slices are equivalent, and [Load] always returns non-nil ones.
//
// A State is plain data: it is not safe to modify it from one goroutine while
// another saves it.
type State struct {
	Model string // model name
	Hash  string // the model's kernel hash (hex SHA-256); see [State.CheckHash]
	Step  int64  // optimiser steps done
	Epoch int64  // epochs done

	Params  []float64            // θ
	Optim   map[string][]float64 // optimiser state vectors by name, e.g. "adam.m", "adam.v"
	Scalars map[string]float64   // small numbers, e.g. "adam.t", the best validation NLL
	Blobs   map[string][]byte    // opaque state: "rng", "data" (iterator), "metrics" (JSON), settings

	path string // file the State was loaded from; set by Load, used in messages
}

// Path returns the file st was loaded from, or "" if st did not come from
// [Load] or [LoadLatest].
func (st *State) Path() string { return st.path }

// Errors reported by Load and CheckHash. Test for them with errors.Is; the
// returned errors add the file name and details.
var (
	ErrNotCheckpoint = errors.New("not a mafc checkpoint")
	ErrVersion       = errors.New("unsupported version")
	ErrTruncated     = errors.New("truncated")
	ErrCorrupt       = errors.New("corrupt")
	ErrHashMismatch  = errors.New("checkpoint is for a different model")
)

// Version is the format version Save writes and the only one Load reads.
const Version = 1

const (
	magic         = "MAFCCKPT"
	headerSize    = 24 // magic, version, section count, file size
	sectionHeader = 12 // kind, name length, payload length
	trailerSize   = 4  // CRC-32C
	maxName       = math.MaxUint16
	chunkFloats   = 4096 // floats encoded per write
)

// Section kinds; see the package documentation.
const (
	kindModel  = 1
	kindHash   = 2
	kindStep   = 3
	kindEpoch  = 4
	kindParams = 5
	kindOptim  = 6
	kindScalar = 7
	kindBlob   = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Save writes st to path atomically (see the package documentation): on
// success path holds exactly st; on failure path is as it was before and no
// temporary file is left behind. Errors name the file, as in
// "ckpt: /run/x.ckpt: cannot create a file in /run: permission denied …".
//
// Save panics if st is nil. It streams the encoding through a small buffer,
// so it allocates O(1) memory beyond the sorted map keys. It only reads st,
// so concurrent Saves of the same State are safe as long as nobody modifies
// it; concurrent Saves to the same path leave one of them in place.
func Save(path string, st *State) error {
	if st == nil {
		panic("ckpt: Save of nil *State")
	}
	enc, err := newEncoding(st)
	if err != nil {
		return fmt.Errorf("ckpt: %s: %w", path, err)
	}
	return writeAtomic(path, enc.writeTo)
}

// writeAtomic replaces path with what write produces, as [atomicfile.Write]
// does, with this package's error prefix.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, 0o644, write); err != nil {
		return fmt.Errorf("ckpt: %w", err)
	}
	return nil
}

// Load reads and validates the checkpoint at path. It never panics: a
// file that is not a checkpoint, is of another version, is truncated, or is
// damaged anywhere gives an error that wraps [ErrNotCheckpoint],
// [ErrVersion], [ErrTruncated] or [ErrCorrupt] and names the file.
//
// Load reads the whole file into memory and then decodes it, so it
// allocates about twice the file size. It is safe to call concurrently.
func Load(path string) (*State, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	st, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("ckpt: %s: %w", path, err)
	}
	st.path = path
	return st, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ckpt: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ckpt: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("ckpt: %s: not a regular file (mode %v)", path, fi.Mode())
	}
	// The allocation is bounded by the size the file system reports, not by
	// anything read from the file.
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("ckpt: %s: reading: %w", path, err)
	}
	return b, nil
}

// CheckHash reports whether st may be loaded into the model with the given
// kernel hash and name. Only the hash decides; the names are for the
// message, which wraps [ErrHashMismatch] and reads like
//
//	ckpt: checkpoint /run/checkpoint.ckpt is for model "ising16" (hash 11dbd5…)
//	but the spec is model "mnist" (hash 5e3245…): use a checkpoint of the
//	same model or a new output directory
//
// (on one line). It does not allocate unless it fails, and is safe to call
// concurrently.
func (st *State) CheckHash(hash, model string) error {
	if st.Hash == hash {
		return nil
	}
	what := "checkpoint"
	if st.path != "" {
		what += " " + st.path
	}
	a, b := shortHashes(st.Hash, hash)
	hint := "use a checkpoint of the same model or a new output directory"
	if sets := st.recordedOverrides(); sets != "" {
		hint = "the checkpoint's run changed the spec with " + sets +
			": give the same spec the same -set flags, or use a checkpoint of this model or a new output directory"
	}
	return &mismatchError{fmt.Sprintf("ckpt: %s is for model %q (hash %s) but the spec is model %q (hash %s): %s",
		what, st.Model, a, model, b, hint)}
}

// OverridesBlob is the blob recording the settings the run changed on the
// command line (mafc's -set), as a JSON array of PATH=VALUE strings.
// [State.CheckHash] names them when the hashes differ, since a setting
// such as train.precision changes the kernels and so the hash.
const OverridesBlob = "overrides"

// maxHintOverrides caps the recorded settings a mismatch message quotes.
const maxHintOverrides = 16

// recordedOverrides returns the recorded -set flags as
// "-set 'A' -set 'B'", or "" when there are none or the blob is not a JSON
// array of strings (it is only a hint).
func (st *State) recordedOverrides() string {
	var sets []string
	if json.Unmarshal(st.Blobs[OverridesBlob], &sets) != nil || len(sets) == 0 {
		return ""
	}
	var sb strings.Builder
	for i, s := range sets {
		if i == maxHintOverrides {
			fmt.Fprintf(&sb, " and %d more", len(sets)-i)
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "-set %s", strconv.Quote(s))
	}
	return sb.String()
}

type mismatchError struct{ msg string }

func (e *mismatchError) Error() string        { return e.msg }
func (e *mismatchError) Is(target error) bool { return target == ErrHashMismatch }

// shortHashes abbreviates two different hashes to the shortest common
// prefix length of at least 6 that tells them apart.
func shortHashes(a, b string) (string, string) {
	n := 6
	for n < len(a) && n < len(b) && a[:n] == b[:n] {
		n++
	}
	short := func(s string) string {
		if s == "" {
			return `""`
		}
		if len(s) <= n {
			return s
		}
		return s[:n] + "…"
	}
	return short(a), short(b)
}

// encoding is a State prepared for writing: keys sorted, size known.
type encoding struct {
	st                           *State
	optimKeys, scalarKeys, blobs []string
	size                         uint64
	sections                     uint32
}

func newEncoding(st *State) (*encoding, error) {
	e := &encoding{
		st:         st,
		optimKeys:  sortedKeys(st.Optim),
		scalarKeys: sortedKeys(st.Scalars),
		blobs:      sortedKeys(st.Blobs),
	}
	size := uint64(headerSize + trailerSize)
	add := func(name string, payload uint64) {
		size += sectionHeader + uint64(len(name)) + payload
		e.sections++
	}
	add("", uint64(len(st.Model)))
	add("", uint64(len(st.Hash)))
	add("", 8)
	add("", 8)
	add("", 8*uint64(len(st.Params)))
	for _, k := range e.optimKeys {
		add(k, 8*uint64(len(st.Optim[k])))
	}
	for _, k := range e.scalarKeys {
		add(k, 8)
	}
	for _, k := range e.blobs {
		add(k, uint64(len(st.Blobs[k])))
	}
	for _, keys := range [][]string{e.optimKeys, e.scalarKeys, e.blobs} {
		for _, k := range keys {
			if len(k) > maxName {
				return nil, fmt.Errorf("state name %.40q… is %d bytes long (at most %d allowed)", k, len(k), maxName)
			}
		}
	}
	e.size = size
	return e, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// encoder writes little-endian values while updating the CRC. The first
// write error sticks.
type encoder struct {
	w     *bufio.Writer
	crc   uint32
	err   error
	buf   [sectionHeader]byte
	chunk []byte
}

func (e *encoder) write(p []byte) {
	if e.err != nil {
		return
	}
	e.crc = crc32.Update(e.crc, castagnoli, p)
	_, e.err = e.w.Write(p)
}

func (e *encoder) section(kind uint16, name string, payload uint64) {
	binary.LittleEndian.PutUint16(e.buf[0:], kind)
	binary.LittleEndian.PutUint16(e.buf[2:], uint16(len(name)))
	binary.LittleEndian.PutUint64(e.buf[4:], payload)
	e.write(e.buf[:sectionHeader])
	e.write([]byte(name))
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.write(e.buf[:8])
}

func (e *encoder) floats(v []float64) {
	for len(v) > 0 {
		n := min(len(v), chunkFloats)
		c := e.chunk[:8*n]
		for i, x := range v[:n] {
			binary.LittleEndian.PutUint64(c[8*i:], math.Float64bits(x))
		}
		e.write(c)
		v = v[n:]
	}
}

func (e *encoding) writeTo(w io.Writer) error {
	st := e.st
	enc := &encoder{w: bufio.NewWriterSize(w, 1<<16), chunk: make([]byte, 8*chunkFloats)}
	var h [headerSize]byte
	copy(h[:], magic)
	binary.LittleEndian.PutUint32(h[8:], Version)
	binary.LittleEndian.PutUint32(h[12:], e.sections)
	binary.LittleEndian.PutUint64(h[16:], e.size)
	enc.write(h[:])

	enc.section(kindModel, "", uint64(len(st.Model)))
	enc.write([]byte(st.Model))
	enc.section(kindHash, "", uint64(len(st.Hash)))
	enc.write([]byte(st.Hash))
	enc.section(kindStep, "", 8)
	enc.u64(uint64(st.Step))
	enc.section(kindEpoch, "", 8)
	enc.u64(uint64(st.Epoch))
	enc.section(kindParams, "", 8*uint64(len(st.Params)))
	enc.floats(st.Params)
	for _, k := range e.optimKeys {
		v := st.Optim[k]
		enc.section(kindOptim, k, 8*uint64(len(v)))
		enc.floats(v)
	}
	for _, k := range e.scalarKeys {
		enc.section(kindScalar, k, 8)
		enc.u64(math.Float64bits(st.Scalars[k]))
	}
	for _, k := range e.blobs {
		v := st.Blobs[k]
		enc.section(kindBlob, k, uint64(len(v)))
		enc.write(v)
	}
	if enc.err != nil {
		return enc.err
	}
	var t [trailerSize]byte
	binary.LittleEndian.PutUint32(t[:], enc.crc)
	if _, err := enc.w.Write(t[:]); err != nil {
		return err
	}
	return enc.w.Flush()
}

// decode parses and validates a whole checkpoint file. Its errors carry no
// file name.
func decode(b []byte) (*State, error) {
	nsec, body, err := decodeHeader(b)
	if err != nil {
		return nil, err
	}

	// The checksum matched, so anything wrong below means the writer was
	// broken or the file was forged; report it as corrupt all the same.
	st := &State{
		Params:  []float64{},
		Optim:   map[string][]float64{},
		Scalars: map[string]float64{},
		Blobs:   map[string][]byte{},
	}
	d := decoder{b: body, off: headerSize}
	lastKind, lastName := uint16(0), ""
	for i := uint32(0); i < nsec; i++ {
		start := d.off
		kind, name, payload, err := d.section()
		if err != nil {
			return nil, fmt.Errorf("%w: section %d at offset %d: %v", ErrCorrupt, i, start, err)
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: section %d (kind %d, name %q) at offset %d: %s", ErrCorrupt, i, kind, name, start, fmt.Sprintf(format, args...))
		}
		if msg := sectionOrder(kind, name, lastKind, lastName); msg != "" {
			return nil, bad("%s", msg)
		}
		lastKind, lastName = kind, name
		if msg := st.set(kind, name, payload); msg != "" {
			return nil, bad("%s", msg)
		}
	}
	if lastKind < kindParams {
		return nil, fmt.Errorf("%w: only %d sections, missing kind %d", ErrCorrupt, nsec, lastKind+1)
	}
	if d.off != len(body) {
		return nil, fmt.Errorf("%w: %d unexplained bytes after the last section at offset %d", ErrCorrupt, len(body)-d.off, d.off)
	}
	return st, nil
}

// decodeHeader checks a checkpoint file's magic, version, size and
// checksum, and returns its number of sections and its body (the file
// without the trailer).
func decodeHeader(b []byte) (nsec uint32, body []byte, err error) {
	if len(b) < len(magic) {
		if strings.HasPrefix(magic, string(b)) {
			return 0, nil, fmt.Errorf("%w: expected at least %d bytes, file has %d", ErrTruncated, headerSize+trailerSize, len(b))
		}
		return 0, nil, fmt.Errorf("%w (file starts with %q, want %q)", ErrNotCheckpoint, b, magic)
	}
	if string(b[:len(magic)]) != magic {
		return 0, nil, fmt.Errorf("%w (file starts with %q, want %q)", ErrNotCheckpoint, b[:len(magic)], magic)
	}
	if len(b) < headerSize+trailerSize {
		return 0, nil, fmt.Errorf("%w: expected at least %d bytes, file has %d", ErrTruncated, headerSize+trailerSize, len(b))
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != Version {
		return 0, nil, fmt.Errorf("%w %d (this build reads version %d; was it written by another mafc?)", ErrVersion, v, Version)
	}
	nsec = binary.LittleEndian.Uint32(b[12:])
	size := binary.LittleEndian.Uint64(b[16:])
	switch {
	case size > uint64(len(b)):
		return 0, nil, fmt.Errorf("%w: expected %d bytes, file has %d (interrupted copy or write?)", ErrTruncated, size, len(b))
	case size < uint64(len(b)):
		return 0, nil, fmt.Errorf("%w: header says %d bytes but file has %d", ErrCorrupt, size, len(b))
	}
	body = b[:len(b)-trailerSize]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(body):]); got != want {
		return 0, nil, fmt.Errorf("%w: checksum mismatch (CRC-32C %08x, file says %08x)", ErrCorrupt, got, want)
	}
	return nsec, body, nil
}

// sectionOrder returns why a section of the given kind and name cannot
// follow one of lastKind and lastName, or "" if it can.
func sectionOrder(kind uint16, name string, lastKind uint16, lastName string) string {
	// Canonical order: kinds 1..5 once each in order, then 6, 7, 8 with
	// strictly increasing names within a kind.
	switch {
	case kind < kindModel || kind > kindBlob:
		return "unknown kind"
	case kind <= kindParams && kind != lastKind+1:
		return fmt.Sprintf("out of order (want kind %d)", lastKind+1)
	case kind <= kindParams && name != "":
		return "singleton section has a name"
	case kind > kindParams && lastKind < kindParams:
		return fmt.Sprintf("out of order (want kind %d)", lastKind+1)
	case kind > kindParams && kind < lastKind:
		return fmt.Sprintf("out of order (kind %d follows kind %d)", kind, lastKind)
	case kind > kindParams && kind == lastKind && name <= lastName:
		return fmt.Sprintf("name out of order or duplicated (follows %q)", lastName)
	}
	return ""
}

// set stores a section's payload in st. It returns what is wrong with
// the payload, or "".
func (st *State) set(kind uint16, name string, payload []byte) string {
	switch kind {
	case kindModel:
		st.Model = string(payload)
	case kindHash:
		st.Hash = string(payload)
	case kindStep, kindEpoch, kindScalar:
		if len(payload) != 8 {
			return fmt.Sprintf("payload is %d bytes, want 8", len(payload))
		}
		v := binary.LittleEndian.Uint64(payload)
		switch kind {
		case kindStep:
			st.Step = int64(v)
		case kindEpoch:
			st.Epoch = int64(v)
		default:
			st.Scalars[name] = math.Float64frombits(v)
		}
	case kindParams, kindOptim:
		if len(payload)%8 != 0 {
			return fmt.Sprintf("payload is %d bytes, not a multiple of 8", len(payload))
		}
		v := make([]float64, len(payload)/8)
		for j := range v {
			v[j] = math.Float64frombits(binary.LittleEndian.Uint64(payload[8*j:]))
		}
		if kind == kindParams {
			st.Params = v
		} else {
			st.Optim[name] = v
		}
	case kindBlob:
		st.Blobs[name] = slices.Clone(payload)
		if st.Blobs[name] == nil {
			st.Blobs[name] = []byte{}
		}
	}
	return ""
}

type decoder struct {
	b   []byte
	off int
}

// section reads one section header, name and payload, checking every
// length against the bytes left before slicing.
func (d *decoder) section() (kind uint16, name string, payload []byte, err error) {
	rest := d.b[d.off:]
	if len(rest) < sectionHeader {
		return 0, "", nil, fmt.Errorf("section header needs %d bytes, %d left", sectionHeader, len(rest))
	}
	kind = binary.LittleEndian.Uint16(rest[0:])
	n := uint64(binary.LittleEndian.Uint16(rest[2:]))
	m := binary.LittleEndian.Uint64(rest[4:])
	left := uint64(len(rest) - sectionHeader)
	if n > left || m > left-n {
		return 0, "", nil, fmt.Errorf("name of %d bytes and payload of %d bytes, but only %d bytes left", n, m, left)
	}
	name = string(rest[sectionHeader : sectionHeader+n])
	payload = rest[sectionHeader+n : sectionHeader+n+m]
	d.off += sectionHeader + int(n) + int(m)
	return kind, name, payload, nil
}
