//go:build mpi && cgo

package mpi_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/internal/mpitest"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/mpi"
)

var _ train.Comm = (*mpi.World)(nil)

// TestMain runs the ranks' side of TestCollectives when mpirun starts the
// test binary with MAFC_MPI_CHILD=1.
func TestMain(m *testing.M) {
	if os.Getenv("MAFC_MPI_CHILD") == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// child checks AllGather and Broadcast on every rank and prints "ok RANK".
func child() int {
	w, err := mpi.Init()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	r, n := w.Rank(), w.Size()
	// Uneven parts, one of them empty: rank q sends q*2 numbers 1000q+i.
	counts := make([]int, n)
	total := 0
	for q := range n {
		counts[q] = 2 * q
		total += counts[q]
	}
	buf := make([]float64, total+1) // one past the parts: must stay untouched
	buf[total] = -1
	off := 0
	for q := range r {
		off += counts[q]
	}
	for i := range counts[r] {
		buf[off+i] = float64(1000*r + i)
	}
	w.AllGather(buf, counts)
	k := 0
	for q := range n {
		for i := range counts[q] {
			if buf[k] != float64(1000*q+i) {
				fmt.Printf("rank %d: AllGather: buf[%d] = %v, want %v\n", r, k, buf[k], 1000*q+i)
				w.Abort(3)
			}
			k++
		}
	}
	if buf[total] != -1 {
		fmt.Printf("rank %d: AllGather wrote past the parts\n", r)
		w.Abort(3)
	}
	var msg []byte
	if r == 0 {
		msg = bytes.Repeat([]byte("mafc"), 100000)
	}
	if got := w.Broadcast(msg); !bytes.Equal(got, bytes.Repeat([]byte("mafc"), 100000)) {
		fmt.Printf("rank %d: Broadcast gave %d bytes\n", r, len(got))
		w.Abort(3)
	}
	if got := w.Broadcast(nil); len(got) != 0 {
		fmt.Printf("rank %d: Broadcast of nothing gave %d bytes\n", r, len(got))
		w.Abort(3)
	}
	fmt.Printf("ok %d of %d\n", r, n)
	if err := w.Finalize(); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

// TestCollectives runs 3 ranks under mpirun: gathers of uneven parts (one
// empty) in place and broadcasts, checked on every rank.
func TestCollectives(t *testing.T) {
	cmd := mpitest.Command(t, 3, []string{"MAFC_MPI_CHILD=1"}, os.Args[0])
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "mpirun:\n%s", out)
	for r := range 3 {
		require.Contains(t, string(out), fmt.Sprintf("ok %d of 3\n", r), "mpirun output:\n%s", out)
	}
	require.Equal(t, 3, strings.Count(string(out), "ok "))
}
