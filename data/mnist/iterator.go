package mnist

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/mafc-dev/mafc/data/shuffle"
)

// IteratorOptions configures an Iterator.
type IteratorOptions struct {
	BatchSize int  // images per batch, at least 1
	KeepLast  bool // yield the final partial batch of an epoch (default: drop it)
	Seed      uint64
}

// Iterator yields mini-batches of preprocessed training images. Epoch e is
// the permutation of the training indices drawn from (Seed, e) alone, cut
// into consecutive batches; the dequantisation noise comes from one PCG
// stream seeded by rand.NewPCG(Seed, c), c a fixed constant, that runs on across
// epochs. The state (epoch, position in the epoch, noise PCG state) is
// saved by MarshalBinary and restored by UnmarshalBinary, after which Next
// yields bit-for-bit what the uninterrupted iterator would have yielded.
//
// An Iterator is not safe for concurrent use.
type Iterator struct {
	images      []uint8
	indices     []int // the pool, as given
	opts        IteratorOptions
	fingerprint uint64 // of the image count and the pool

	epoch uint64 // current epoch, from 0
	pos   int    // samples of the current epoch already yielded
	perm  []int  // the current epoch's order of indices

	permSrc  rand.PCG
	noiseSrc rand.PCG
	noise    *rand.Rand // wraps noiseSrc
}

// NewIterator returns an iterator over the images (n×784 pixels, as in
// Set.TrainImages) whose rows are listed in indices (typically
// Split.Train), positioned at the start of epoch 0. The iterator keeps
// images (not copied) and a copy of indices.
func NewIterator(images []uint8, indices []int, opts IteratorOptions) (*Iterator, error) {
	if len(images)%D != 0 {
		return nil, fmt.Errorf("mnist: iterator: image data has %d bytes, not a multiple of %d", len(images), D)
	}
	if opts.BatchSize < 1 {
		return nil, fmt.Errorf("mnist: iterator: batch size %d, want at least 1", opts.BatchSize)
	}
	if len(indices) == 0 {
		return nil, fmt.Errorf("mnist: iterator: no indices")
	}
	if !opts.KeepLast && opts.BatchSize > len(indices) {
		return nil, fmt.Errorf("mnist: iterator: batch size %d exceeds the %d images and KeepLast is false, so no batch would ever be full",
			opts.BatchSize, len(indices))
	}
	n := len(images) / D
	for i, idx := range indices {
		if idx < 0 || idx >= n {
			return nil, fmt.Errorf("mnist: iterator: index %d at position %d is out of range [0, %d)", idx, i, n)
		}
	}
	it := &Iterator{
		images:      images,
		indices:     append([]int(nil), indices...),
		opts:        opts,
		fingerprint: fingerprint(n, indices),
		perm:        make([]int, len(indices)),
	}
	it.noiseSrc.Seed(opts.Seed, noiseStream)
	it.noise = rand.New(&it.noiseSrc)
	it.startEpoch()
	return it, nil
}

// fingerprint hashes the image count and the pool (FNV-1a, 64 bits), to
// detect a state restored into an iterator over different data.
func fingerprint(n int, indices []int) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) {
		for range 8 {
			h ^= v & 0xff
			h *= 1099511628211
			v >>= 8
		}
	}
	mix(uint64(n))
	mix(uint64(len(indices)))
	for _, i := range indices {
		mix(uint64(i))
	}
	return h
}

// splitmix64 is a bijective mixer used to derive per-epoch PCG seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// startEpoch sets perm to the permutation of epoch it.epoch.
func (it *Iterator) startEpoch() {
	copy(it.perm, it.indices)
	it.permSrc.Seed(it.opts.Seed, splitmix64(epochStream^it.epoch))
	shuffle.Shuffle(it.perm, &it.permSrc)
}

// BatchSize returns the configured batch size.
func (it *Iterator) BatchSize() int { return it.opts.BatchSize }

// Len returns the number of images in one epoch.
func (it *Iterator) Len() int { return len(it.indices) }

// BatchesPerEpoch returns how many batches each epoch yields.
func (it *Iterator) BatchesPerEpoch() int {
	n, b := len(it.indices), it.opts.BatchSize
	if it.opts.KeepLast {
		return (n + b - 1) / b
	}
	return n / b
}

// Epoch returns the epoch of the most recent batch (0 before the first).
func (it *Iterator) Epoch() int { return int(it.epoch) }

// Pos returns how many images of the current epoch have been yielded.
func (it *Iterator) Pos() int { return it.pos }

// Next preprocesses the next batch into dst (row j holds
// dst[j*784:(j+1)*784]) and returns the image indices of the batch's rows.
// The batch has BatchSize images, or fewer for the last batch of an epoch
// with KeepLast. When an epoch is used up, Next starts the next one. dst
// must hold at least BatchSize×784 values; it does not allocate. The
// returned slice belongs to the iterator: do not modify it, and do not keep
// it past the next call.
func (it *Iterator) Next(dst []float64) []int {
	b, n := it.opts.BatchSize, len(it.perm)
	if len(dst) < b*D {
		panic(fmt.Sprintf("mnist: Iterator.Next: len(dst) = %d, want at least %d (batch size %d × %d)", len(dst), b*D, b, D))
	}
	if it.pos >= n || (!it.opts.KeepLast && it.pos+b > n) {
		it.epoch++
		it.pos = 0
		it.startEpoch()
	}
	end := min(it.pos+b, n)
	batch := it.perm[it.pos:end:end]
	for j, idx := range batch {
		Preprocess(dst[j*D:(j+1)*D], it.images[idx*D:(idx+1)*D], it.noise)
	}
	it.pos = end
	return batch
}

// Iterator state encoding: magic, then big-endian uint64 fields (seed,
// batch size, keep-last flag, fingerprint, epoch, position), then the
// noise PCG's own binary encoding.
const (
	iterMagic     = "mnistit\x01"
	iterFixedSize = len(iterMagic) + 6*8
)

// MarshalBinary encodes the iterator's state (encoding.BinaryMarshaler).
// The images and indices are not included, only a fingerprint of them.
func (it *Iterator) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, iterFixedSize+32)
	b = append(b, iterMagic...)
	keep := uint64(0)
	if it.opts.KeepLast {
		keep = 1
	}
	for _, v := range [...]uint64{it.opts.Seed, uint64(it.opts.BatchSize), keep, it.fingerprint, it.epoch, uint64(it.pos)} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return it.noiseSrc.AppendBinary(b)
}

// UnmarshalBinary restores a state saved by MarshalBinary
// (encoding.BinaryUnmarshaler). The iterator must have been made by
// NewIterator with the same images, indices and options as the saved one;
// a mismatch of options or of the pool's fingerprint is an error. On error
// the iterator is unchanged.
func (it *Iterator) UnmarshalBinary(data []byte) error {
	if it.perm == nil {
		return fmt.Errorf("mnist: iterator state: restore into an iterator made by NewIterator")
	}
	f, err := stateFields(data)
	if err != nil {
		return err
	}
	seed, batch, keep, fp, epoch, pos := f[0], f[1], f[2], f[3], f[4], f[5]
	keepLast := keep == 1
	switch {
	case seed != it.opts.Seed:
		return fmt.Errorf("mnist: iterator state: seed %d, but this iterator has seed %d", seed, it.opts.Seed)
	case batch != uint64(it.opts.BatchSize):
		return fmt.Errorf("mnist: iterator state: batch size %d, but this iterator has batch size %d", batch, it.opts.BatchSize)
	case keep > 1 || keepLast != it.opts.KeepLast:
		return fmt.Errorf("mnist: iterator state: keep-last flag %d, but this iterator has KeepLast %v", keep, it.opts.KeepLast)
	case fp != it.fingerprint:
		return fmt.Errorf("mnist: iterator state: saved over different images or indices (fingerprint %016x, this iterator %016x)", fp, it.fingerprint)
	case pos > uint64(len(it.perm)):
		return fmt.Errorf("mnist: iterator state: position %d beyond the %d images of an epoch", pos, len(it.perm))
	}
	var src rand.PCG
	if err := src.UnmarshalBinary(data[iterFixedSize:]); err != nil {
		return fmt.Errorf("mnist: iterator state: noise generator: %w", err)
	}
	it.noiseSrc = src
	it.epoch, it.pos = epoch, int(pos)
	it.startEpoch()
	return nil
}

// stateFields checks an iterator state's magic and length and returns its
// fixed fields: seed, batch size, keep-last flag, fingerprint, epoch,
// position.
func stateFields(data []byte) ([6]uint64, error) {
	var f [6]uint64
	if len(data) < iterFixedSize || string(data[:len(iterMagic)]) != iterMagic {
		return f, fmt.Errorf("mnist: iterator state: not an MNIST iterator state (%d bytes)", len(data))
	}
	for i := range f {
		f[i] = binary.BigEndian.Uint64(data[len(iterMagic)+8*i:])
	}
	return f, nil
}

// StateEpoch returns the epochs of training behind an iterator state
// written by MarshalBinary over n images an epoch: its epoch count plus the
// fraction of the current epoch yielded. Unlike UnmarshalBinary it needs no
// iterator of the same batch size, so an evaluation can read the progress
// of a run trained with any -batch.
func StateEpoch(data []byte, n int) (float64, error) {
	f, err := stateFields(data)
	if err != nil {
		return 0, err
	}
	epoch, pos := f[4], f[5]
	if n <= 0 || pos > uint64(n) {
		return 0, fmt.Errorf("mnist: iterator state: position %d beyond the %d images of an epoch", pos, n)
	}
	return float64(epoch) + float64(pos)/float64(n), nil
}

// ForEachBatch preprocesses the images at indices, in order, in batches of
// batchSize (the last one may be smaller), and calls fn with the batch
// (len(idx)×784 values, row j for image idx[j]) and its indices. Image i
// gets the noise of PreprocessAt(…, seed, uint64(i)), so the values do not
// depend on batchSize or on the order of indices: use it for validation and
// test likelihoods. fn must not keep x or idx; ForEachBatch stops at fn's
// first error and returns it.
func ForEachBatch(images []uint8, indices []int, batchSize int, seed uint64, fn func(x []float64, idx []int) error) error {
	if len(images)%D != 0 {
		return fmt.Errorf("mnist: ForEachBatch: image data has %d bytes, not a multiple of %d", len(images), D)
	}
	if batchSize < 1 {
		return fmt.Errorf("mnist: ForEachBatch: batch size %d, want at least 1", batchSize)
	}
	n := len(images) / D
	for i, idx := range indices {
		if idx < 0 || idx >= n {
			return fmt.Errorf("mnist: ForEachBatch: index %d at position %d is out of range [0, %d)", idx, i, n)
		}
	}
	x := make([]float64, min(batchSize, len(indices))*D)
	for start := 0; start < len(indices); start += batchSize {
		idx := indices[start:min(start+batchSize, len(indices))]
		for j, i := range idx {
			PreprocessAt(x[j*D:(j+1)*D], images[i*D:(i+1)*D], seed, uint64(i))
		}
		if err := fn(x[:len(idx)*D], idx); err != nil {
			return err
		}
	}
	return nil
}

// Indices returns 0, 1, …, n−1, e.g. Indices(set.NumTest()) for the test set.
func Indices(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
