package runtime

// TimeDependent is implemented by potentials φ(x, t) that depend on a time
// input (a spec with `time t`). The time is a property of a workspace: every
// method called with ws evaluates φ(·, t), ∇ₓφ(·, t) and Δₓφ(·, t) (the
// derivatives are in x only; t is one number shared by the batch) and the
// reverse mode's ∂/∂θ at that t, until the next SetTime. A new workspace
// starts at t = 0. Integrators call SetTime before every stage, at
// t_n + c_k·dt. SetTime does not allocate and, like every method, must be
// called only by the goroutine that owns ws.
type TimeDependent interface {
	SetTime(ws Workspace, t float64)
}

// SetTime sets the time of ws for p if p is time-dependent, and does
// nothing otherwise.
func SetTime(p Potential, ws Workspace, t float64) {
	if td, ok := p.(TimeDependent); ok {
		td.SetTime(ws, t)
	}
}

// IsTimeDependent reports whether p depends on a time input.
func IsTimeDependent(p Potential) bool {
	_, ok := p.(TimeDependent)
	return ok && p.Program().TimeDependent()
}
