package potential

import (
	"math"
	"testing"

	"github.com/mafc-dev/mafc/ode"
)

// TestFlow uses the generated model the way a downstream user would: exact
// Laplacians on a batch, then a density-direction flow.
func TestFlow(t *testing.T) {
	m := New()
	ws := m.NewWorkspace(4)
	x := make([]float64, 4*Dim)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	phi, grad, lap := make([]float64, 4), make([]float64, 4*Dim), make([]float64, 4)
	m.Laplacian(ws, phi, grad, lap, x)
	for b, l := range lap {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			t.Fatalf("Laplacian(x_%d) = %v", b, l)
		}
	}
	it, err := ode.New(m, ode.Config{Tableau: ode.RK4, Steps: 10, Dt: 0.1, MaxBatch: 4})
	if err != nil {
		t.Fatal(err)
	}
	a := make([]float64, 4)
	it.Run(x, a, -1, false, 0)
	for b := range a {
		if nll := a[b] - ode.LogNormal(x[b*Dim:(b+1)*Dim]); math.IsNaN(nll) {
			t.Fatalf("NLL(x_%d) is NaN", b)
		}
	}
}
