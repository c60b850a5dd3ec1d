//go:build mafcgen

package main

import mafcrt "github.com/mafc-dev/mafc/runtime"

// With the mafcgen tag (used by the go:generate lines of generated/), mafc
// is built without the checked-in packages, so that it can regenerate them
// even when they no longer compile.
var bundled map[string]func() mafcrt.Potential
