package ckpt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMarshalIsTheFile: Marshal gives the bytes Save writes, and
// Unmarshal of them the State Load reads; damaged bytes are refused.
func TestMarshalIsTheFile(t *testing.T) {
	st := sample()
	b, err := Marshal(st)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.ckpt")
	require.NoError(t, Save(path, st))
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, file, b, "Marshal(st) differs from the file Save(st) writes")

	got, err := Unmarshal(b, "rank 0")
	require.NoError(t, err)
	require.Equal(t, "rank 0", got.Path())
	again, err := Marshal(got) // NaNs defeat require.Equal on the States
	require.NoError(t, err)
	require.Equal(t, file, again, "Unmarshal lost something")

	b[len(b)/2] ^= 1
	_, err = Unmarshal(b, "rank 0")
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "ckpt: rank 0: ")
}
