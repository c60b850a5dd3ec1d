// Package ckpt saves and restores training checkpoints without losing
// anything: parameters, optimiser state, step counters and opaque state such
// as RNG and data-iterator positions all round-trip bit for bit, NaN payloads
// and signed zeros included.
//
// A checkpoint is a [State]. [Save] writes one atomically, [Load] reads and
// validates one, and [State.CheckHash] refuses to resume a model from another
// model's checkpoint. [SaveLatest], [Latest] and [LoadLatest] manage the
// rotating pair of files in a run's output directory.
//
// # File format (version 1)
//
// All integers are little-endian. A file is a 24-byte header, a sequence of
// sections, and a 4-byte trailer:
//
//	offset  size  field
//	0       8     magic "MAFCCKPT"
//	8       4     format version, uint32 (= 1)
//	12      4     number of sections, uint32
//	16      8     total file size in bytes, uint64 (header + sections + trailer)
//	24      …     sections
//	size−4  4     CRC-32C (Castagnoli) of bytes [0, size−4), uint32
//
// Each section is a 12-byte section header followed by its name and payload:
//
//	0       2     kind, uint16 (table below)
//	2       2     name length n in bytes, uint16
//	4       8     payload length m in bytes, uint64
//	12      n     name (UTF-8, empty for the singleton kinds 1–5)
//	12+n    m     payload
//
// The kinds, and the State field each one holds:
//
//	kind  field          name        payload
//	1     Model          ""          the model name, raw bytes
//	2     Hash           ""          the kernel hash, raw bytes
//	3     Step           ""          int64 (m = 8)
//	4     Epoch          ""          int64 (m = 8)
//	5     Params         ""          float64 × m/8, IEEE-754 bits
//	6     Optim[name]    map key     float64 × m/8, IEEE-754 bits
//	7     Scalars[name]  map key     float64 (m = 8), IEEE-754 bits
//	8     Blobs[name]    map key     raw bytes
//
// The encoding is canonical: kinds 1–5 appear exactly once each, then all
// sections of kind 6, 7 and 8 in that order, each kind's names in strictly
// increasing byte order. [Save] therefore gives the same bytes for equal
// States, and [Load] rejects any file that is not in this form, so a file it
// accepts re-encodes to exactly the same bytes. Floats are stored as their
// bit patterns, so NaN payloads and −0 survive.
//
// # Validation
//
// [Load] reads the whole file and checks, in order: the magic ("not a mafc
// checkpoint"), the version ("unsupported version"), the declared size
// against the real one ("truncated: expected N bytes …"), the CRC-32C
// ("corrupt: checksum mismatch") and finally the structure of every section.
// A section length is compared with the bytes that remain before anything is
// allocated for it, so a corrupt length cannot cause a huge allocation, and
// Load never panics on any input. CRC-32C detects every error burst of up
// to 32 bits, in particular any single damaged byte.
//
// # Atomic writes and rotation
//
// [Save] writes to a temporary file in the target's directory
// (".name.tmp-*"), syncs it, renames it over the target and syncs the
// directory. A reader therefore sees either the old file or the new one,
// never a mix, and on error the temporary file is removed and an existing
// checkpoint is left untouched.
//
// [SaveLatest] keeps two checkpoints in an output directory,
// checkpoint.ckpt ([FileName]) and checkpoint.prev.ckpt ([PrevFileName]):
//
//  1. the new checkpoint is written and synced to a temporary file;
//  2. the current checkpoint.ckpt is read back and validated as [Load]
//     does; only if it is valid is it hard-linked to a second temporary
//     name that is then renamed over checkpoint.prev.ckpt (where hard links
//     are not supported, checkpoint.ckpt is renamed to checkpoint.prev.ckpt
//     instead). A missing or invalid checkpoint.ckpt (the case in which
//     [LoadLatest] fell back to checkpoint.prev.ckpt) is not rotated, so
//     the valid checkpoint.prev.ckpt is never replaced by a bad file;
//  3. the temporary file is renamed over checkpoint.ckpt and the directory
//     is synced.
//
// Each step replaces a name atomically with a complete, synced file, and
// no step replaces the only valid checkpoint. So once a checkpoint has been
// saved, at every instant, and after a crash at any point, at least one of
// the two names holds a complete, valid checkpoint, and checkpoint.ckpt,
// when valid, is the newest. [LoadLatest] loads checkpoint.ckpt and falls
// back to checkpoint.prev.ckpt if the newest is missing or fails
// validation, and says which one it used. A crash can leave temporary files
// (".checkpoint.ckpt.tmp-*", ".checkpoint.prev.ckpt.tmp-*"); they are never
// loaded, and mafc train removes them when it next starts on the
// directory. The tests stop SaveLatest after each of its steps (every
// create, write, sync, close, link, rename and directory sync) and check
// these guarantees after each stop.
package ckpt
