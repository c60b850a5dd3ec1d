// Package layout holds the tests that keep mafc's imports pointing one way,
// from the command down to the kernels, as README's Layout describes them,
// and every hand-written function short enough to read (issue #14).
package layout
