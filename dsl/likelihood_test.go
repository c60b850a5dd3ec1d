package dsl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// likelihoodSpec is a 2-D spec with the given objective.
func likelihoodSpec(objective string) []byte {
	return []byte("model m\ninput x: vector(2)\npotential {\n    phi = dense(tanh(dense(x, 8)), 1)\n}\ntrain {\n    objective = " + objective + "\n}\n")
}

func TestLikelihoodFile(t *testing.T) {
	p, err := Compile("dir/m.maf", likelihoodSpec(`likelihood(file = "data/points.npy", validation = 0.25)`))
	require.NoError(t, err)
	o := p.Train.Objective
	assert.Equal(t, "likelihood", o.Kind)
	assert.Equal(t, "data/points.npy", o.File)
	assert.Equal(t, 0.25, o.Validation)
	assert.Equal(t, "dir/data/points.npy", p.DataFile(), "resolved against the spec's directory")

	p, err = Compile("m.maf", likelihoodSpec(`likelihood(file = "/abs/points.CSV")`))
	require.NoError(t, err)
	assert.Equal(t, "/abs/points.CSV", p.DataFile(), "an absolute path stays")
	assert.Zero(t, p.Train.Objective.Validation)

	q, err := Compile("m.maf", likelihoodSpec(`likelihood(file = "other.csv", validation = 0.5)`))
	require.NoError(t, err)
	assert.Equal(t, p.Hash(), q.Hash(), "the data file does not enter the kernel hash")
}

func TestLikelihoodErrors(t *testing.T) {
	cases := []struct{ objective, want string }{
		{`likelihood(moons, file = "p.npy")`, `m.maf:7:42: give a dataset or file, not both`},
		{`likelihood(validation = 0.1)`, `m.maf:7:17: likelihood needs a dataset or a data file`},
		{`likelihood(file = points)`, `m.maf:7:35: file must be a quoted path such as "points.npy", got`},
		{`likelihood(file = "")`, `m.maf:7:35: file is empty`},
		{`likelihood(file = "points.txt")`, `m.maf:7:35: data file "points.txt": want a .npy`},
		{`likelihood(file = "p.npy", validation = 1)`, `m.maf:7:57: validation fraction must be in [0, 0.9], got 1`},
		{`likelihood(file = "p.npy", validation = "x")`, `validation fraction must be a number`},
		{`likelihood(moons, validation = 0.1)`, `validation applies to a data file`},
		{`likelihood("points.npy")`, `unknown dataset "points.npy": a data file is given by name: likelihood(file = "points.npy")`},
		{`likelihood(file = "p.npy", seed = 1)`, `unknown argument "seed" to likelihood (want one of: dataset, file, validation)`},
	}
	for _, c := range cases {
		t.Run(c.objective, func(t *testing.T) {
			_, err := Compile("m.maf", likelihoodSpec(c.objective))
			require.Error(t, err, "Compile with objective = %s", c.objective)
			assert.Contains(t, err.Error(), c.want, "Compile with objective = %s", c.objective)
		})
	}
}
