// Package layout holds the test that keeps mafc's imports pointing one way,
// from the command down to the kernels, as README's Layout describes them.
package layout
