package generated_test

import (
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/generated/chain64"
	"github.com/mafc-dev/mafc/generated/cnn16"
	"github.com/mafc-dev/mafc/generated/cnn16dense"
	"github.com/mafc-dev/mafc/generated/cnn8gated"
	"github.com/mafc-dev/mafc/generated/deepmlp"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16circ"
	"github.com/mafc-dev/mafc/generated/ising16cnn"
	"github.com/mafc-dev/mafc/generated/ising16cnnf32"
	"github.com/mafc-dev/mafc/generated/ising16cnnrf"
	"github.com/mafc-dev/mafc/generated/ising16d4"
	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/generated/ising16t"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistt"
	"github.com/mafc-dev/mafc/generated/narrow"
	"github.com/mafc-dev/mafc/generated/resnet"
	mafcrt "github.com/mafc-dev/mafc/runtime"
)

// bundled lists every generated package with the plan configuration of its
// go:generate line.
func bundled() []struct {
	m   mafcrt.Potential
	cfg plan.Config
} {
	return []struct {
		m   mafcrt.Potential
		cfg plan.Config
	}{
		{chain64.New(), plan.Config{}}, {cnn16.New(), plan.Config{}}, {cnn8gated.New(), plan.Config{}}, {cnn16dense.New(), plan.Config{Dense: true}},
		{deepmlp.New(), plan.Config{}}, {ising16.New(), plan.Config{}}, {ising16circ.New(), plan.Config{}},
		{ising16cnn.New(), plan.Config{}}, {ising16cnnf32.New(), plan.Config{}}, {ising16cnnrf.New(), plan.Config{NoShift: true}},
		{ising16d4.New(), plan.Config{}}, {ising16f32.New(), plan.Config{}}, {ising16rand.New(), plan.Config{}},
		{ising16t.New(), plan.Config{}}, {ising8.New(), plan.Config{}}, {mnist.New(), plan.Config{}},
		{mnistt.New(), plan.Config{}}, {narrow.New(), plan.Config{}}, {resnet.New(), plan.Config{}},
	}
}

// heapBytes returns the bytes of the slices reachable from v (through
// pointers, structs and embedded fields), each backing array once. A time
// workspace's timeOf, the model it last evaluated, is not its own.
func heapBytes(v reflect.Value, seen map[uintptr]bool) float64 {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return 0
		}
		seen[v.Pointer()] = true
		return heapBytes(v.Elem(), seen)
	case reflect.Slice:
		if v.Cap() == 0 || seen[v.Pointer()] {
			return 0
		}
		seen[v.Pointer()] = true
		return float64(v.Cap()) * float64(v.Type().Elem().Size())
	case reflect.Struct:
		var n float64
		for i := range v.NumField() {
			if v.Type().Field(i).Name != "timeOf" {
				n += heapBytes(v.Field(i), seen)
			}
		}
		return n
	}
	return 0
}

// planBytes returns the bytes of p's workspace for maxBatch samples
// (plan.Model.Bytes) and those of its buffers other than the packed weights
// of a kernel model, which NewWorkspace leaves to the first evaluation.
func planBytes(m *plan.Model, maxBatch int) (all, eager float64) {
	c, cv := min(maxBatch, m.Chunk), min(maxBatch, m.ValueChunk)
	for _, b := range m.Workspace.Buffers {
		if !b.Lazy {
			eager += float64(b.Bytes) * float64(b.Reals(c, cv))
		}
	}
	return m.Bytes(maxBatch), eager
}

// TestWorkspaceIsPlanned: for every bundled model and a batch within and
// one beyond a chunk, the slices NewWorkspace allocates (its buffers, the
// convolution geometries' tables, a time-dependent model's kernel model,
// ∂G/∂θ′ and scratch) take exactly the bytes the plan counts, and after an
// evaluation (which packs a kernel model's weights) at most
// plan.Model.Bytes, the estimate mafc's memory limits use. The generated
// Model itself takes at most plan.Model.ModelBytes. Go's heap grows
// NewWorkspace by no more than the plan's bytes plus its allocator's
// rounding.
func TestWorkspaceIsPlanned(t *testing.T) {
	for _, c := range bundled() {
		pm := plan.New(c.m.Program(), c.cfg)
		model := heapBytes(reflect.ValueOf(c.m), map[uintptr]bool{})
		if want := pm.ModelBytes(); model > want {
			t.Errorf("%s: the model holds %v bytes, plan.ModelBytes = %v", c.m.Name(), model, want)
		}
		for _, B := range []int{3, pm.Chunk + 1} {
			all, eager := planBytes(pm, B)
			// newKernels's own slices: 7 of B, B·D or NumParams reals.
			own := 8 * float64(4*B+3*B*c.m.Dim()+c.m.NumParams())
			// The fewest bytes of three tries: the process's allocation
			// counter also counts whatever goroutines of earlier tests
			// allocate meanwhile, which matters for small (one-sample
			// chunk) workspaces; an allocation of the workspace's own shows
			// in every try.
			var k *kernels
			grown := math.Inf(1)
			for range 3 {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				k = newKernels(c.m, B)
				runtime.ReadMemStats(&after)
				grown = min(grown, float64(after.TotalAlloc-before.TotalAlloc))
			}
			if got := heapBytes(reflect.ValueOf(k.ws), map[uintptr]bool{}); got != eager {
				t.Errorf("%s, batch %d: NewWorkspace holds %v bytes, the plan counts %v", c.m.Name(), B, got, eager)
			}
			if grown > 1.25*(all+own)+(64<<10) {
				t.Errorf("%s, batch %d: NewWorkspace allocated %v bytes, the plan counts %v", c.m.Name(), B, grown-own, all)
			}
			k.Laplacian()
			if got := heapBytes(reflect.ValueOf(k.ws), map[uintptr]bool{}); got > all {
				t.Errorf("%s, batch %d: after Laplacian the workspace holds %v bytes, plan.Model.Bytes = %v", c.m.Name(), B, got, all)
			}
		}
	}
}
