package limits

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/ir"
)

func TestRanges(t *testing.T) {
	require.True(t, LR.Contains(10))
	require.False(t, LR.Contains(0), "the learning rate's range is open at 0")
	require.False(t, LR.Contains(math.NaN()))
	require.False(t, LR.Contains(1e6))
	require.Equal(t, "(0, 10]", LR.String())
	require.Equal(t, "[1e-06, 1e+06]", Temperature.String())
	require.True(t, Batch.Contains(1<<20))
	require.False(t, Batch.Contains(0))
	require.Equal(t, "[1, 1048576]", Batch.String())
}

func TestFormatBytes(t *testing.T) {
	for _, tc := range []struct {
		n    float64
		want string
	}{{16 << 30, "16 GiB"}, {1.5 * (1 << 40), "1.5 TiB"}, {1 << 20, "1 MiB"}, {3 << 10, "3 KiB"}, {12, "12 bytes"}} {
		require.Equal(t, tc.want, FormatBytes(tc.n), "FormatBytes(%v)", tc.n)
	}
}

// program returns a one-hidden-layer program x ∈ R^D → w·tanh(W·x).
func program(D, H int) *ir.Program {
	p := &ir.Program{Nodes: []*ir.Node{
		{ID: 0, Op: ir.OpInput, Shape: ir.Vec(D)},
		{ID: 1, Op: ir.OpDense, Inputs: []int{0}, Out: H, Shape: ir.Vec(H)},
		{ID: 2, Op: ir.OpAct, Act: ir.Tanh, Inputs: []int{1}, Shape: ir.Vec(H)},
		{ID: 3, Op: ir.OpDense, Inputs: []int{2}, Out: 1, Shape: ir.Vec(1)},
	}, Output: 3, Params: []*ir.Param{{Offset: 0, Size: D*H + H}}}
	p.Flow = ir.Flow{Integrator: "rk4", Steps: 50, Dt: 0.1}
	return p
}

// TestTrajectory: memory = store keeps steps·stages states of D reals
// plus the H kept outputs of the first layer, per sample; recompute one
// state every K steps and the stages of one segment.
func TestTrajectory(t *testing.T) {
	p := program(100, 300)
	part := func(r Run) float64 {
		for _, pt := range Resources(p, r).Parts {
			if pt.Knob == KnobMemory {
				return pt.Bytes
			}
		}
		return 0
	}
	require.Equal(t, 8.0*50*4*(100+300)*64, part(Run{Train: true, Batch: 64, Memory: "store"}))
	require.Equal(t, 8.0*(5+10*4)*(100+300)*64, part(Run{Train: true, Batch: 64, Memory: "recompute", Every: 10}))
	require.Zero(t, part(Run{Batch: 64}), "sampling keeps no trajectory")
}

// TestMaxKnob: the largest value that fits, by bisection, agrees with
// Exceeds on both sides.
func TestMaxKnob(t *testing.T) {
	p := program(1000, 1000)
	l := Default
	set := func(r *Run, v int) { r.Samples = v }
	best := l.MaxKnob(p, Run{Batch: 64}, set, 1, Samples.Hi)
	require.Greater(t, best, 1)
	require.False(t, l.Exceeds(Resources(p, Run{Batch: 64, Samples: best})))
	require.True(t, l.Exceeds(Resources(p, Run{Batch: 64, Samples: best + 1})))
	l.MaxMemory = 1
	require.Equal(t, 0, l.MaxKnob(p, Run{Batch: 64}, set, 1, Samples.Hi), "nothing fits in one byte")
}

// TestWorkspacesArePlanned: the workspaces' part is one workspace per
// integrator as the plan lays it out for the integrator's batch (two
// shards of 32 here), not a per-sample bound of the whole batch; a
// Hutchinson run keeps no saved outputs in its trajectory.
func TestWorkspacesArePlanned(t *testing.T) {
	p := program(100, 300)
	part := func(r Run, what string) float64 {
		for _, pt := range Resources(p, r).Parts {
			if pt.What == what {
				return pt.Bytes
			}
		}
		return 0
	}
	want := 2 * plan.New(p, plan.Config{}).Bytes(32)
	require.Equal(t, want, part(Run{Train: true, Batch: 64, Shards: 2}, "the workspaces of the generated code"))
	require.Equal(t, 8.0*50*4*100*64, part(Run{Train: true, Batch: 64, Memory: "store", Hutchinson: true}, "the trajectory kept by memory = store"))
}
