package main

import mafcrt "github.com/mafc-dev/mafc/runtime"

// models.go maps the kernel hash of every bundled package to its
// constructor (package bundled computes the hashes from the specs).
//go:generate go run ./internal/bundled/genbundled

// bundledFor returns the constructor of the checked-in package whose
// kernels match hash, or nil. It constructs nothing.
func bundledFor(hash string) func() mafcrt.Potential { return bundled[hash] }
