package progress

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal: a character device on which
// the terminal-attributes ioctl succeeds (so /dev/null is not one).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	ok := false
	control(f, func(fd int) {
		_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		ok = err == nil
	})
	return ok
}

// termWidth returns the terminal's width in columns, or 0 if unknown.
func termWidth(f *os.File) int {
	w := 0
	control(f, func(fd int) {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
			w = int(ws.Col)
		}
	})
	return w
}

// control runs fn on f's descriptor without f.Fd, which would switch the
// file to blocking mode.
func control(f *os.File, fn func(fd int)) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) { fn(int(fd)) })
}
