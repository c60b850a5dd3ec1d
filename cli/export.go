package cli

import (
	"encoding/json"
	"fmt"

	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// ExportSettings is the "flow.json" member of an exported model: what a
// program outside Go needs besides θ, the spec and the IR to run the flow.
type ExportSettings struct {
	Model      string  `json:"model"`
	Hash       string  `json:"hash"` // kernel hash (hex SHA-256)
	Step       int64   `json:"step"` // training steps behind θ
	Dim        int     `json:"dim"`  // input dimension D
	Parameters int     `json:"parameters"`
	Precision  string  `json:"precision"`
	Integrator string  `json:"integrator"` // "rk4", "euler" or "midpoint"
	Steps      int     `json:"steps"`
	Dt         float64 `json:"dt"`
	Time       float64 `json:"time"` // T = steps·dt
	// Symmetries lists "group:strategy" for each declared symmetry; an
	// "average" one means φ is the orbit average of the network.
	Symmetries []string `json:"symmetries,omitempty"`
}

// Export writes the parameters of the checkpoint at ckptPath (a file or a
// run directory) for the model of program p to out as a .npz archive that
// numpy.load opens:
//
//	theta/NAME   θ by parameter name (p.Params: "h.W", "h.b", …), float64, in the parameter's shape
//	spec.maf     the spec's text (uint8; bytes(z["spec.maf"]).decode())
//	ir.json      the program as JSON (uint8; json.loads(bytes(z["ir.json"])))
//	flow.json    [ExportSettings] as JSON (uint8)
//
// It returns the settings written. The checkpoint must be for p's kernels.
func Export(p *ir.Program, spec []byte, ckptPath, out string) (*ExportSettings, error) {
	st, err := ckpt.Open(ckptPath)
	if err != nil {
		return nil, err
	}
	if err := st.CheckHash(p.Hash(), p.Name); err != nil {
		return nil, err
	}
	if len(st.Params) != p.NumParams() {
		return nil, fmt.Errorf("%s: %d parameters, the model has %d", ckptPath, len(st.Params), p.NumParams())
	}
	irJSON, err := p.Encode()
	if err != nil {
		return nil, err
	}
	set := &ExportSettings{Model: p.Name, Hash: p.Hash(), Step: st.Step, Dim: p.Dim(), Parameters: p.NumParams(), Precision: p.Precision,
		Integrator: p.Flow.Integrator, Steps: p.Flow.Steps, Dt: p.Flow.Dt, Time: p.Flow.Time()}
	for _, s := range p.Symmetries {
		set.Symmetries = append(set.Symmetries, string(s.Group)+":"+string(s.Strategy))
	}
	setJSON, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, err
	}
	err = npy.WriteNPZFile(out, func(z *npy.NPZ) error {
		for _, pr := range p.Params {
			if err := z.Float64("theta/"+pr.Name, st.Params[pr.Offset:pr.Offset+pr.Size], pr.Shape...); err != nil {
				return err
			}
		}
		for _, m := range []struct {
			name string
			data []byte
		}{{"spec.maf", spec}, {"ir.json", irJSON}, {"flow.json", setJSON}} {
			if err := z.Uint8(m.name, m.data, len(m.data)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}
