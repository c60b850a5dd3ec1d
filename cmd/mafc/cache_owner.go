package main

import (
	"fmt"
	"os"
)

// ownedPrivate checks that path (a directory when dir is true, otherwise a
// regular file) is no symbolic link, belongs to the current user and is
// writable by no one else (where the system says who owns a file): a cache
// entry anyone else could have written is never run. A missing path gives
// an error wrapping fs.ErrNotExist.
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
	}
	return checkOwner(path, fi)
}
