package ir

import (
	"math"
	"math/rand/v2"
)

// InitParams fills theta (of length NumParams) with the initial parameters
// given by each tensor's scheme, drawn from a PCG generator seeded with
// (seed, 0x6d616663) so that a spec and a seed give the same parameters on
// every machine. It panics if len(theta) != NumParams().
func (p *Program) InitParams(theta []float64, seed uint64) {
	if len(theta) != p.NumParams() {
		panic("ir: len(theta) != NumParams")
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d616663))
	for _, pr := range p.Params {
		dst := theta[pr.Offset : pr.Offset+pr.Size]
		fanin := float64(pr.FanIn)
		fanout := float64(pr.Shape[0])
		if len(pr.Shape) == 4 {
			fanout *= float64(pr.Shape[2] * pr.Shape[3])
		}
		switch pr.Init.Scheme {
		case "zero":
			clear(dst)
		case "constant":
			for i := range dst {
				dst[i] = pr.Init.Value
			}
		case "normal":
			for i := range dst {
				dst[i] = pr.Init.Std * rng.NormFloat64()
			}
		case "lecun":
			s := 1 / math.Sqrt(fanin)
			for i := range dst {
				dst[i] = s * rng.NormFloat64()
			}
		case "glorot":
			a := math.Sqrt(6 / (fanin + fanout))
			for i := range dst {
				dst[i] = a * (2*rng.Float64() - 1)
			}
		default: // "uniform": PyTorch's default for Linear and Conv layers
			a := 1 / math.Sqrt(fanin)
			for i := range dst {
				dst[i] = a * (2*rng.Float64() - 1)
			}
		}
	}
}
