package dsl

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/ir"
)

// annealSpec is a small variational spec whose train block takes one more
// statement.
const annealSpec = `model an

input x: lattice(4)

potential {
    h = lncosh(dense(x, 8, bias = false))
    phi = dense(h, 1, bias = false)
}

train {
    objective = %s
    steps = 100
    %s
}
`

func TestAnneal(t *testing.T) {
	const ising = "variational(ising(T = critical))"
	p, err := Compile("an.maf", fmt.Appendf(nil, annealSpec, ising, "anneal = linear(from = 4, steps = 30)"))
	require.NoError(t, err)
	require.Equal(t, &ir.Anneal{From: 4, Steps: 30}, p.Train.Anneal)
	p, err = Compile("an.maf", fmt.Appendf(nil, annealSpec, ising, "anneal = linear(4, 30, 20)"))
	require.NoError(t, err)
	require.Equal(t, &ir.Anneal{From: 4, Steps: 30, Hold: 20}, p.Train.Anneal)

	for _, an := range []string{"", "anneal = none"} {
		p, err := Compile("an.maf", fmt.Appendf(nil, annealSpec, ising, an))
		require.NoError(t, err, an)
		require.Nil(t, p.Train.Anneal, an)
	}

	// -set adds, changes and removes the schedule; its errors name the flag.
	src := fmt.Sprintf(annealSpec, ising, "")
	p, err = compileOverridden(t, src, "train.anneal=linear(from = 3, steps = 20)")
	require.NoError(t, err)
	require.Equal(t, 3.0, p.Train.Anneal.From)
	require.Equal(t, 20, p.Train.Anneal.Steps)
	src = fmt.Sprintf(annealSpec, ising, "anneal = linear(from = 4, steps = 30)")
	p, err = compileOverridden(t, src, "train.anneal.from=5", "train.anneal.steps=10", "train.anneal.hold=7")
	require.NoError(t, err)
	require.Equal(t, 5.0, p.Train.Anneal.From)
	require.Equal(t, 10, p.Train.Anneal.Steps)
	require.Equal(t, 7, p.Train.Anneal.Hold)
	p, err = compileOverridden(t, src, "train.anneal=none")
	require.NoError(t, err)
	require.Nil(t, p.Train.Anneal)
	_, err = compileOverridden(t, src, "train.anneal.steps=0")
	require.ErrorContains(t, err, "-set train.anneal.steps=0: anneal steps must be in [1, 1073741824], got 0")
}

func TestAnnealErrors(t *testing.T) {
	const ising = "variational(ising(T = 2.5))"
	for _, c := range []struct{ objective, anneal, want string }{
		{ising, "anneal = linear(from = 0, steps = 30)", "an.maf:13:28: temperature must be in [1e-06, 1e+06], got 0"},
		{ising, "anneal = linear(from = critical, steps = 30)", "an.maf:13:28: temperature must be a number, got"},
		{ising, "anneal = linear(from = 4, steps = 0)", "an.maf:13:39: anneal steps must be in [1, 1073741824], got 0"},
		{ising, "anneal = linear(from = 4, steps = 2.5)", "an.maf:13:39: anneal steps must be an integer"},
		{ising, "anneal = linear(from = 2.5, steps = 30)", "an.maf:13:28: anneal starts at the target's temperature 2.5"},
		{ising, "anneal = linear(from = 4)", "an.maf:13:14: linear needs both from (the start temperature) and steps"},
		{ising, "anneal = linear(from = 4, hold = 5)", "an.maf:13:14: linear needs both from (the start temperature) and steps"},
		{ising, "anneal = linear(from = 4, steps = 30, hold = -1)", "an.maf:13:50: anneal hold must be in [0, 1073741824], got -1"},
		{ising, "anneal = linear(from = 4, steps = 30, hold = 1.5)", "an.maf:13:50: anneal hold must be an integer"},
		{ising, "anneal = linear", "an.maf:13:14: linear needs its start temperature and length"},
		{ising, "anneal = linear(from = 4, steps = 30, to = 1)", "an.maf:13:43: unknown argument \"to\" to linear (want one of: from, steps, hold)"},
		{ising, "anneal = none(3)", "an.maf:13:14: anneal none takes no arguments"},
		{ising, "anneal = geometric(4, 30)", "an.maf:13:14: unknown anneal \"geometric\" (want one of: none, linear)"},
		{ising, "anneal = 4", "an.maf:13:14: anneal must be one of none, linear, got"},
		{"likelihood(gaussian)", "anneal = linear(from = 4, steps = 30)", "an.maf:13:14: anneal applies to a variational objective"},
	} {
		t.Run(c.anneal, func(t *testing.T) {
			_, err := Compile("an.maf", fmt.Appendf(nil, annealSpec, c.objective, c.anneal))
			require.ErrorContains(t, err, c.want)
		})
	}
}

// TestAnnealTemperature checks the schedule: From up to step Hold + 1, β
// linear from there to 1/T, and T itself, bit for bit, after step
// Hold + Steps.
func TestAnnealTemperature(t *testing.T) {
	const T = 2.269185314213022
	for _, hold := range []int{0, 5} {
		a := &ir.Anneal{From: 4, Steps: 10, Hold: hold}
		h := int64(hold)
		require.EqualValues(t, 10+h, a.End())
		for n := int64(1); n <= h+1; n++ {
			require.Equal(t, 4.0, a.Temperature(n, T), "hold %d, step %d", hold, n)
		}
		require.InDelta(t, 1/(0.25+(1/T-0.25)*0.5), a.Temperature(h+6, T), 1e-15)
		require.Less(t, T, a.Temperature(h+10, T))
		require.Equal(t, T, a.Temperature(h+11, T))
		require.Equal(t, T, a.Temperature(1000, T))
		for n := h + 2; n <= h+11; n++ {
			require.Less(t, a.Temperature(n, T), a.Temperature(n-1, T), "hold %d, step %d", hold, n)
		}
	}
}
