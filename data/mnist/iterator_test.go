package mnist

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testImages returns n synthetic images; image i has pixels (i + j) mod 256.
func testImages(n int) []uint8 {
	img := make([]uint8, n*D)
	for i := range n {
		for j := range D {
			img[i*D+j] = uint8(i + j)
		}
	}
	return img
}

type batchRecord struct {
	epoch int
	idx   []int
	x     []float64
}

func drain(t *testing.T, it *Iterator, n int) []batchRecord {
	t.Helper()
	dst := make([]float64, it.BatchSize()*D)
	var out []batchRecord
	for range n {
		idx := it.Next(dst)
		out = append(out, batchRecord{it.Epoch(), slices.Clone(idx), slices.Clone(dst[:len(idx)*D])})
	}
	return out
}

func TestIteratorEpochs(t *testing.T) {
	images := testImages(120)
	pool := make([]int, 0, 103)
	for i := range 103 {
		pool = append(pool, (i*7)%120) // a subset, not in order
	}
	tests := []struct {
		name     string
		keepLast bool
		batches  int
		sizes    []int // batch sizes within one epoch
	}{
		{"drop last", false, 10, slices.Repeat([]int{10}, 10)},
		{"keep last", true, 11, append(slices.Repeat([]int{10}, 10), 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := NewIterator(images, pool, IteratorOptions{BatchSize: 10, KeepLast: tc.keepLast, Seed: 11})
			require.NoError(t, err)
			assert.Equal(t, tc.batches, it.BatchesPerEpoch())
			assert.Equal(t, 103, it.Len())
			recs := drain(t, it, 3*tc.batches)
			var orders [3][]int
			for b, r := range recs {
				e := b / tc.batches
				assert.Equal(t, e, r.epoch)
				assert.Len(t, r.idx, tc.sizes[b%tc.batches])
				orders[e] = append(orders[e], r.idx...)
				// Each row is the dequantised image: it quantises back.
				back := make([]uint8, len(r.x))
				ToPixels(back, r.x)
				for j, i := range r.idx {
					require.Equal(t, images[i*D:(i+1)*D], back[j*D:(j+1)*D])
				}
			}
			for e, o := range orders {
				// No index twice in an epoch; all from the pool; full
				// coverage when the last batch is kept.
				assert.Len(t, o, tc.batches*10-10+tc.sizes[tc.batches-1], "epoch %d", e)
				seen := map[int]bool{}
				for _, i := range o {
					assert.False(t, seen[i])
					seen[i] = true
					assert.Contains(t, pool, i)
				}
			}
			assert.NotEqual(t, orders[0], orders[1])
			assert.NotEqual(t, orders[1], orders[2])
		})
	}
}

func TestIteratorDeterminism(t *testing.T) {
	images := testImages(50)
	idx := Indices(50)
	run := func(seed uint64) []batchRecord {
		it, err := NewIterator(images, idx, IteratorOptions{BatchSize: 8, Seed: seed})
		require.NoError(t, err)
		return drain(t, it, 20)
	}
	assert.Equal(t, run(3), run(3))
	a, b := run(3), run(4)
	assert.NotEqual(t, a[0].idx, b[0].idx)
	assert.NotEqual(t, a[0].x, b[0].x)

	// The same image gets fresh noise each time it is used.
	it, err := NewIterator(images, []int{5}, IteratorOptions{BatchSize: 1})
	require.NoError(t, err)
	r := drain(t, it, 2)
	assert.Equal(t, r[0].idx, r[1].idx)
	assert.NotEqual(t, r[0].x, r[1].x)
}

func TestIteratorResume(t *testing.T) {
	images := testImages(64)
	pool := Indices(37)
	for _, keepLast := range []bool{false, true} {
		opts := IteratorOptions{BatchSize: 5, KeepLast: keepLast, Seed: 2024}
		ref, err := NewIterator(images, pool, opts)
		require.NoError(t, err)
		want := drain(t, ref, 40)
		perEpoch := ref.BatchesPerEpoch()
		// Stop at the start, mid-epoch, at an epoch's end and after it.
		for _, stop := range []int{0, 1, 3, perEpoch - 1, perEpoch, perEpoch + 1, 2*perEpoch + 2} {
			first, err := NewIterator(images, pool, opts)
			require.NoError(t, err)
			got := drain(t, first, stop)
			state, err := first.MarshalBinary()
			require.NoError(t, err)

			resumed, err := NewIterator(images, slices.Clone(pool), opts)
			require.NoError(t, err)
			require.NoError(t, resumed.UnmarshalBinary(state))
			assert.Equal(t, first.Epoch(), resumed.Epoch())
			assert.Equal(t, first.Pos(), resumed.Pos())
			got = append(got, drain(t, resumed, 40-stop)...)
			// Bit-identical: same batches, same noise.
			require.Equal(t, len(want), len(got))
			for i := range want {
				require.Equal(t, want[i].idx, got[i].idx, "keepLast %v stop %d batch %d", keepLast, stop, i)
				require.Equal(t, want[i].epoch, got[i].epoch)
				for j := range want[i].x {
					if math.Float64bits(want[i].x[j]) != math.Float64bits(got[i].x[j]) {
						t.Fatalf("keepLast %v stop %d batch %d value %d: %v != %v", keepLast, stop, i, j, got[i].x[j], want[i].x[j])
					}
				}
			}

			// Both now stand where the reference stands.
			end, err := ref.MarshalBinary()
			require.NoError(t, err)
			now, err := resumed.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, end, now)
		}
	}
}

func TestIteratorUnmarshalErrors(t *testing.T) {
	images := testImages(30)
	opts := IteratorOptions{BatchSize: 4, Seed: 1}
	it, err := NewIterator(images, Indices(30), opts)
	require.NoError(t, err)
	drain(t, it, 3)
	state, err := it.MarshalBinary()
	require.NoError(t, err)

	other := func(o IteratorOptions, idx []int) *Iterator {
		x, err := NewIterator(images, idx, o)
		require.NoError(t, err)
		return x
	}
	corrupt := func(i int, b byte) []byte {
		s := slices.Clone(state)
		s[i] = b
		return s
	}
	tests := []struct {
		name  string
		into  *Iterator
		state []byte
		want  string
	}{
		{"empty", other(opts, Indices(30)), nil, "not an MNIST iterator state (0 bytes)"},
		{"bad magic", other(opts, Indices(30)), corrupt(0, 'x'), "not an MNIST iterator state"},
		{"truncated", other(opts, Indices(30)), state[:30], "not an MNIST iterator state (30 bytes)"},
		{"bad rng", other(opts, Indices(30)), state[:len(state)-3], "noise generator"},
		{"seed", other(IteratorOptions{BatchSize: 4, Seed: 2}, Indices(30)), state, "seed 1, but this iterator has seed 2"},
		{"batch size", other(IteratorOptions{BatchSize: 5, Seed: 1}, Indices(30)), state, "batch size 4, but this iterator has batch size 5"},
		{"keep last", other(IteratorOptions{BatchSize: 4, Seed: 1, KeepLast: true}, Indices(30)), state, "keep-last flag 0, but this iterator has KeepLast true"},
		{"other pool", other(opts, Indices(29)), state, "saved over different images or indices"},
		{"position", other(opts, Indices(30)), corrupt(len(iterMagic)+5*8+7, 200), "position 200 beyond the 30 images of an epoch"},
		{"zero iterator", &Iterator{}, state, "restore into an iterator made by NewIterator"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := tc.into.MarshalBinary()
			err := tc.into.UnmarshalBinary(tc.state)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "mnist: iterator state: "+tc.want)
			after, _ := tc.into.MarshalBinary()
			assert.Equal(t, before, after, "state changed by a failed restore")
		})
	}
}

func TestNewIteratorErrors(t *testing.T) {
	images := testImages(10)
	tests := []struct {
		name   string
		images []uint8
		idx    []int
		opts   IteratorOptions
		want   string
	}{
		{"ragged images", images[:D+1], []int{0}, IteratorOptions{BatchSize: 1}, "image data has 785 bytes, not a multiple of 784"},
		{"zero batch", images, []int{0}, IteratorOptions{}, "batch size 0, want at least 1"},
		{"no indices", images, nil, IteratorOptions{BatchSize: 1}, "no indices"},
		{"batch too big", images, []int{0, 1}, IteratorOptions{BatchSize: 3}, "batch size 3 exceeds the 2 images and KeepLast is false, so no batch would ever be full"},
		{"index out of range", images, []int{0, 10}, IteratorOptions{BatchSize: 1}, "index 10 at position 1 is out of range [0, 10)"},
		{"negative index", images, []int{-1}, IteratorOptions{BatchSize: 1}, "index -1 at position 0 is out of range [0, 10)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewIterator(tc.images, tc.idx, tc.opts)
			assert.EqualError(t, err, "mnist: iterator: "+tc.want)
		})
	}
	// A batch larger than the pool is fine when the partial batch is kept.
	it, err := NewIterator(images, []int{0, 1}, IteratorOptions{BatchSize: 3, KeepLast: true})
	require.NoError(t, err)
	assert.Len(t, it.Next(make([]float64, 3*D)), 2)
	assert.Panics(t, func() { it.Next(make([]float64, 2*D)) })
}

func TestIteratorNoAlloc(t *testing.T) {
	images := testImages(40)
	it, err := NewIterator(images, Indices(40), IteratorOptions{BatchSize: 16, Seed: 9})
	require.NoError(t, err)
	dst := make([]float64, 16*D)
	// Crosses several epoch boundaries.
	assert.Zero(t, testing.AllocsPerRun(20, func() { it.Next(dst) }))
}

func TestForEachBatch(t *testing.T) {
	images := testImages(25)
	idx := []int{3, 1, 4, 15, 9, 2, 6, 5, 24, 0}
	collect := func(batch int) map[int][]float64 {
		out := map[int][]float64{}
		var sizes []int
		err := ForEachBatch(images, idx, batch, 77, func(x []float64, ix []int) error {
			require.Len(t, x, len(ix)*D)
			sizes = append(sizes, len(ix))
			for j, i := range ix {
				out[i] = slices.Clone(x[j*D : (j+1)*D])
			}
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, len(idx), len(out))
		want := slices.Repeat([]int{batch}, len(idx)/batch)
		if r := len(idx) % batch; r > 0 {
			want = append(want, r)
		}
		assert.Equal(t, want, sizes)
		return out
	}
	a := collect(3)
	assert.Equal(t, a, collect(1))
	assert.Equal(t, a, collect(10))
	assert.Equal(t, a, collect(64))
	want := make([]float64, D)
	PreprocessAt(want, images[15*D:16*D], 77, 15)
	assert.Equal(t, want, a[15])

	stop := errors.New("stop")
	calls := 0
	err := ForEachBatch(images, idx, 2, 0, func([]float64, []int) error { calls++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
	assert.EqualError(t, ForEachBatch(images, []int{25}, 2, 0, nil), "mnist: ForEachBatch: index 25 at position 0 is out of range [0, 25)")
	assert.EqualError(t, ForEachBatch(images, idx, 0, 0, nil), "mnist: ForEachBatch: batch size 0, want at least 1")
	assert.EqualError(t, ForEachBatch(images[:3], idx, 1, 0, nil), "mnist: ForEachBatch: image data has 3 bytes, not a multiple of 784")
}

// TestRealPreprocessing runs the paper's pipeline on the real data: split,
// one training batch and the whole test set.
func TestRealPreprocessing(t *testing.T) {
	s := loadReal(t)
	sp, err := s.Split(1)
	require.NoError(t, err)
	require.Len(t, sp.Train, TrainSize)
	require.Len(t, sp.Valid, ValidSize)

	it, err := NewIterator(s.TrainImages, sp.Train, IteratorOptions{BatchSize: 100, Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, 500, it.BatchesPerEpoch())
	dst := make([]float64, 100*D)
	idx := it.Next(dst)
	valid := map[int]bool{}
	for _, v := range sp.Valid {
		valid[v] = true
	}
	for _, i := range idx {
		assert.False(t, valid[i], "training batch holds validation image %d", i)
	}

	lo, hi := math.Inf(1), math.Inf(-1)
	var sumBits float64
	err = ForEachBatch(s.TestImages, Indices(s.NumTest()), 1000, 42, func(x []float64, ix []int) error {
		for j := range ix {
			y := x[j*D : (j+1)*D]
			for _, v := range y {
				lo, hi = min(lo, v), max(hi, v)
			}
			sumBits += BitsPerDim(-logisticLogDensity(y), y)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, lo, -13.9)
	assert.Less(t, hi, 13.9)
	assert.Less(t, lo, -12.0) // near the ends of the range (u ≈ 0 on black, u ≈ 1 on white)
	assert.Greater(t, hi, 12.0)
	// The logistic model is uniform in pixel space: 8 bits/dim exactly.
	assert.InDelta(t, 8, sumBits/float64(s.NumTest()), 1e-5)
}

// TestStateEpoch: the progress read from a state equals the iterator's own
// epoch plus the fraction of the epoch yielded, for any batch size (an
// evaluation reads a run trained with another -batch than its spec's), and
// a state that is not one, or a position beyond n, is refused.
func TestStateEpoch(t *testing.T) {
	images := testImages(64)
	pool := Indices(40)
	for _, batch := range []int{4, 5, 8} {
		it, err := NewIterator(images, pool, IteratorOptions{BatchSize: batch, Seed: 7})
		require.NoError(t, err)
		for step := 0; step < 25; step++ {
			state, err := it.MarshalBinary()
			require.NoError(t, err)
			got, err := StateEpoch(state, len(pool))
			require.NoError(t, err)
			assert.InDelta(t, float64(it.Epoch())+float64(it.Pos())/float64(len(pool)), got, 1e-12, "batch %d step %d", batch, step)
			assert.InDelta(t, float64(step*batch)/float64(len(pool)), got, 1e-12, "batch %d step %d: images yielded over n", batch, step)
			drain(t, it, 1)
		}
	}
	state, err := NewIterator(images, pool, IteratorOptions{BatchSize: 4, Seed: 7})
	require.NoError(t, err)
	drain(t, state, 3)
	b, err := state.MarshalBinary()
	require.NoError(t, err)
	_, err = StateEpoch(b, 8)
	assert.ErrorContains(t, err, "position 12 beyond the 8 images")
	_, err = StateEpoch(b[:20], 40)
	assert.ErrorContains(t, err, "not an MNIST iterator state")
	_, err = StateEpoch([]byte("somethingelse-of-enough-length-to-pass-the-size-check-0123456789"), 40)
	assert.ErrorContains(t, err, "not an MNIST iterator state")
}
