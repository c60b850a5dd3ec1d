//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// ownedPrivate checks that path (a directory when dir is true, otherwise a
// regular file) is no symbolic link, belongs to the current user and is
// writable by no one else: a cache entry anyone else could have written is
// never run. A missing path gives an error wrapping fs.ErrNotExist.
func ownedPrivate(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	switch {
	case dir && !fi.IsDir():
		return fmt.Errorf("%s is not a directory", path)
	case !dir && !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%s is writable by others (mode %v)", path, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to user %d, not to the current user", path, st.Uid)
	}
	return nil
}
