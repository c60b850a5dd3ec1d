package train_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/runtime/train"
)

// TestNewDoesNotPreallocateHistory: New allocates for the batch and the
// model, not for the number of steps (the history used to be preallocated:
// 56 bytes a step, 60 GiB at the documented maximum of 2³⁰ steps).
func TestNewDoesNotPreallocateHistory(t *testing.T) {
	obj, err := train.NewVariational(8, 8, 2/math.Log(1+math.Sqrt2), 3)
	require.NoError(t, err)
	cfg := config(1, 1<<24)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tr, err := train.New(ising8.New(), obj, cfg)
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	tr.Close()
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(64<<20), "train.New with %d steps allocated %d bytes", cfg.Steps, allocated)
}
