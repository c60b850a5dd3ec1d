//go:build !mafcgen

package main

import (
	mafcrt "github.com/mafc-dev/mafc/runtime"

	"github.com/mafc-dev/mafc/generated/chain64"
	"github.com/mafc-dev/mafc/generated/cnn16"
	"github.com/mafc-dev/mafc/generated/deepmlp"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16circ"
	"github.com/mafc-dev/mafc/generated/ising16cnn"
	"github.com/mafc-dev/mafc/generated/ising16d4"
	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/generated/ising16t"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistf32"
	"github.com/mafc-dev/mafc/generated/mnistt"
	"github.com/mafc-dev/mafc/generated/narrow"
	"github.com/mafc-dev/mafc/generated/resnet"
)

// bundled lists the checked-in generated packages. A spec whose kernel hash
// matches one of them runs from it at once; any other spec is generated and
// built into the cache on first use (see exec.go).
var bundled = []func() mafcrt.Potential{
	func() mafcrt.Potential { return chain64.New() },
	func() mafcrt.Potential { return cnn16.New() },
	func() mafcrt.Potential { return deepmlp.New() },
	func() mafcrt.Potential { return ising16.New() },
	func() mafcrt.Potential { return ising16circ.New() },
	func() mafcrt.Potential { return ising16cnn.New() },
	func() mafcrt.Potential { return ising16d4.New() },
	func() mafcrt.Potential { return ising16f32.New() },
	func() mafcrt.Potential { return ising16rand.New() },
	func() mafcrt.Potential { return ising16t.New() },
	func() mafcrt.Potential { return ising8.New() },
	func() mafcrt.Potential { return mnist.New() },
	func() mafcrt.Potential { return mnistf32.New() },
	func() mafcrt.Potential { return mnistt.New() },
	func() mafcrt.Potential { return narrow.New() },
	func() mafcrt.Potential { return resnet.New() },
}

// bundledFor returns the constructor of the checked-in package whose
// kernels match hash, or nil.
func bundledFor(hash string) func() mafcrt.Potential {
	for _, ctor := range bundled {
		if ctor().Program().Hash() == hash {
			return ctor
		}
	}
	return nil
}
