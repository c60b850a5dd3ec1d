package emit

import "github.com/mafc-dev/mafc/ir"

// exported capitalises a Go identifier.
func exported(s string) string { return ir.Exported(s) }
