package train

import (
	"encoding/binary"
	"fmt"

	"github.com/mafc-dev/mafc/data/points"
	"github.com/mafc-dev/mafc/data/shuffle"
)

// Points is a user's data set (likelihood(file = …)): its training points
// in a fresh seeded order every epoch, and the held-out validation points.
type Points struct {
	Set   *points.Set
	Train []int // indices of the training points, sorted
	Valid []int // indices of the validation points, sorted

	seed  uint64
	epoch uint64 // passes completed
	pos   int    // next position in order
	order []int  // this epoch's order of Train
}

// NewPoints splits s into training and validation points (the fraction
// valid, by a shuffle seeded with seed) and returns the training stream.
func NewPoints(s *points.Set, valid float64, seed uint64) (*Points, error) {
	tr, va, err := points.Split(s.N, valid, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	p := &Points{Set: s, Train: tr, Valid: va, seed: seed}
	p.shuffle()
	return p, nil
}

// epochStream is the PCG stream of epoch orders; the epoch number is added.
const epochStream = 0x65706f6368 // "epoch"

// shuffle draws the order of the current epoch, a pure function of the
// seed and the epoch number.
func (p *Points) shuffle() {
	perm := shuffle.Permutation(len(p.Train), p.seed, epochStream+p.epoch)
	p.order = p.order[:0]
	for _, k := range perm {
		p.order = append(p.order, p.Train[k])
	}
}

// Dim returns the points' dimension.
func (p *Points) Dim() int { return p.Set.D }

// Next fills dst (B×D) with the next training points, starting a new
// epoch (in a new order) when the current one is used up.
func (p *Points) Next(dst []float64) {
	D := p.Set.D
	for b := 0; b < len(dst)/D; b++ {
		if p.pos == len(p.order) {
			p.epoch++
			p.pos = 0
			p.shuffle()
		}
		copy(dst[b*D:(b+1)*D], p.Set.Row(p.order[p.pos]))
		p.pos++
	}
}

// Epoch returns the passes over the training points so far.
func (p *Points) Epoch() float64 {
	return float64(p.epoch) + float64(p.pos)/float64(len(p.order))
}

// MarshalBinary saves the position in the stream (the order follows from
// the seed and the epoch).
func (p *Points) MarshalBinary() ([]byte, error) {
	b := binary.LittleEndian.AppendUint64(nil, p.epoch)
	return binary.LittleEndian.AppendUint64(b, uint64(p.pos)), nil
}

// UnmarshalBinary restores a position saved by MarshalBinary.
func (p *Points) UnmarshalBinary(b []byte) error {
	if len(b) != 16 {
		return fmt.Errorf("train: corrupt data-file stream state (%d bytes, want 16)", len(b))
	}
	epoch, pos := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	if pos > uint64(len(p.Train)) {
		return fmt.Errorf("train: data-file stream position %d is past the %d training points: the checkpoint is for another data file or split", pos, len(p.Train))
	}
	p.epoch, p.pos = epoch, int(pos)
	p.shuffle()
	return nil
}
