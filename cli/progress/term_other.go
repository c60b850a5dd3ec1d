//go:build !linux

package progress

import "os"

// isTerminal reports whether f is a character device, the portable
// approximation of a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// termWidth returns 0: the width is unknown on this system.
func termWidth(*os.File) int { return 0 }
