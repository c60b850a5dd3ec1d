package dsl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readWithin calls ReadFile(path) and fails the test if it does not return
// within a few seconds (an unbounded read of /dev/zero or of a FIFO fed
// forever never returns).
func readWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := ReadFile(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("ReadFile(%q) did not return: it reads without bound", path)
		return nil
	}
}

// requireSizeError checks that err is the positioned oversize error.
func requireSizeError(t *testing.T, err error, path string, line, col int) {
	t.Helper()
	var list ErrorList
	require.True(t, errors.As(err, &list), "ReadFile(%q) = %v, want an ErrorList", path, err)
	require.Len(t, list, 1)
	e := list[0]
	require.Equal(t, path, e.Pos.Filename)
	require.Equal(t, [2]int{line, col}, [2]int{e.Pos.Line, e.Pos.Column}, "position of %q", e)
	require.Contains(t, e.Msg, "spec is larger than the limit of 1048576 bytes")
}

func TestReadFileBounded(t *testing.T) {
	dir := t.TempDir()

	t.Run("file of the limit", func(t *testing.T) {
		path := filepath.Join(dir, "ok.maf")
		src := []byte("model a\n" + strings.Repeat(" ", MaxFileSize-8))
		require.NoError(t, os.WriteFile(path, src, 0o644))
		got, err := ReadFile(path)
		require.NoError(t, err)
		require.Len(t, got, MaxFileSize)
	})
	t.Run("file one byte over", func(t *testing.T) {
		path := filepath.Join(dir, "big.maf")
		// Three lines, the limit crossed on the third at column 5.
		src := "a\nb\n" + strings.Repeat("c", MaxFileSize-8) + "dddd" + "e"
		require.Len(t, src, MaxFileSize+1)
		require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
		requireSizeError(t, readWithin(t, path), path, 3, MaxFileSize-8+4+1)
	})
	t.Run("dev zero", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero")
		}
		requireSizeError(t, readWithin(t, "/dev/zero"), "/dev/zero", 1, MaxFileSize+1)
	})
	t.Run("fifo fed forever", func(t *testing.T) {
		path := filepath.Join(dir, "fifo.maf")
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		go func() {
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer w.Close()
			line := []byte("// more\n")
			for {
				if _, err := w.Write(line); err != nil {
					return // the reader stopped
				}
			}
		}()
		// 1 MiB of 8-byte lines: the limit is crossed at the start of
		// line 131073.
		requireSizeError(t, readWithin(t, path), path, MaxFileSize/8+1, 1)
	})
}

// TestGeneratedCodeLimit: one statement adding 1,500 terms has 3,000 nodes,
// whose generated code (about 5.5 KiB each) would pass 16 MiB; gen used to
// take gigabytes printing it.
func TestGeneratedCodeLimit(t *testing.T) {
	src := "model a\ninput x: vector(2)\npotential {\n  h = tanh(dense(x, 4))\n  g = h" + strings.Repeat(" - h", 1500) + "\n  phi = sum(g)\n}\n"
	_, err := Compile("big.maf", []byte(src))
	require.Error(t, err)
	require.Regexp(t, `^big\.maf:5:[0-9]+: the generated code would be about [0-9.]+ MiB \(3004 nodes\), more than the 16 MiB limit, which this operation crosses`, err.Error())
}

// TestNodeLimit: the graph stops growing at the node limit, with one error.
func TestNodeLimit(t *testing.T) {
	src := "model a\ninput x: vector(2)\npotential {\n  h = tanh(dense(x, 4))\n  g = h" + strings.Repeat("-h", 9000) + "\n  phi = sum(g)\n}\n"
	_, err := Compile("deep.maf", []byte(src))
	require.Error(t, err)
	var list ErrorList
	require.True(t, errors.As(err, &list))
	require.Len(t, list, 1, "%v", err)
	require.Regexp(t, `^deep\.maf:5:[0-9]+: the potential has more than 16384 operations by here, the limit`, list[0].Error())
}
