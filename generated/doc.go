// Package generated holds, one subdirectory each, the checked-in Go packages
// that mafc generates for the bundled specs under testdata/. Each
// subdirectory's gen.go has the go:generate line that regenerates it; the
// test in this package fails when any of them is stale.
package generated
