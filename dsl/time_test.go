package dsl_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ir"
)

const timeSpec = `model tz

input x: vector(4)

time t

potential {
    h = lncosh(gate(dense(x, 8, bias = false), [t, fourier(t, 2)], shift = false))
    g = tanh(dense(h, 3, time = t))
    phi = dense(g, 1, bias = false)
}

symmetry {
    z2 = construction
}

flow {
    steps = 10
    dt = 0.2
}
`

// TestTimeLowering checks the IR of a time-dependent spec: the time name,
// the features (the Fourier period defaults to the flow's T), the time
// parameters after all others, Z2 proved with a shift-free gate, and a
// hash that differs from the time-free twin's.
func TestTimeLowering(t *testing.T) {
	p, err := dsl.Compile("tz.maf", []byte(timeSpec))
	require.NoError(t, err)
	require.Equal(t, "t", p.TimeName)
	h := p.Nodes[1]
	require.Nil(t, h.Time)
	require.Equal(t, &ir.TimeFeatures{Linear: true, Fourier: 2, Period: 2}, h.Gate)
	require.False(t, h.GateShift)
	g := p.Nodes[3]
	require.Equal(t, &ir.TimeFeatures{Linear: true}, g.Time)
	var roles []string
	for _, pr := range p.Params {
		roles = append(roles, pr.Name+":"+pr.Role)
	}
	require.Equal(t, []string{"h.dense.W:weight", "g.dense.W:weight", "g.dense.b:bias", "phi.W:weight",
		"h.dense.A:gate", "h.dense.c:gate_bias", "g.dense.U:time"}, roles)
	require.Equal(t, 8*4+3*8+3+3+8*5+8+3, p.NumParams())
	require.Len(t, p.Symmetries, 1)
	require.Equal(t, ir.ByConstruction, p.Symmetries[0].Strategy)

	twin, err := dsl.Compile("tz.maf", []byte(`model tz
input x: vector(4)
potential {
    h = lncosh(dense(x, 8, bias = false))
    g = tanh(dense(h, 3))
    phi = dense(g, 1, bias = false)
}
symmetry { z2 = construction }
flow { steps = 10  dt = 0.2 }`))
	require.NoError(t, err)
	require.NotEqual(t, twin.Hash(), p.Hash())
	// The twin's parameters are a prefix of θ with the same initial values.
	th, tw := make([]float64, p.NumParams()), make([]float64, twin.NumParams())
	p.InitParams(th, 1)
	twin.InitParams(tw, 1)
	require.Equal(t, tw, th[:len(tw)])

	f, err := dsl.Parse("tz.maf", []byte(timeSpec))
	require.NoError(t, err)
	out, err := dsl.Format(f, []byte(timeSpec))
	require.NoError(t, err)
	require.Equal(t, timeSpec, string(out))
}
