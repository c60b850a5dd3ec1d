// Package faults lets tests stop a process at the steps of mafc's
// crash-safe file writes, to prove that a kill at any of them leaves
// recoverable files.
//
// The writers ([github.com/mafc-dev/mafc/internal/atomicfile] and
// [github.com/mafc-dev/mafc/train/ckpt]) call [At] after each step that
// changes the file system (a file created, written, synced, closed, linked
// or renamed, a directory synced). [Hook] is nil except in tests, so At
// costs one load and compare and never allocates.
package faults

// Hook, when set, is called by [At]. Only tests set it, before the code
// under test starts; it is not synchronised.
var Hook func(point, path string)

// At reports that the step point (such as "atomicfile.rename") has just
// been done on path. It does nothing unless a test has set [Hook].
func At(point, path string) {
	if Hook != nil {
		Hook(point, path)
	}
}
