package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bundlegen "github.com/mafc-dev/mafc/cmd/mafc/internal/bundled"
)

// TestBundledUpToDate: models.go is what go generate writes from the specs
// of the bundled packages (run go generate in cmd/mafc after changing one).
func TestBundledUpToDate(t *testing.T) {
	want, err := bundlegen.Source("../..", bundlegen.Packages)
	require.NoError(t, err)
	got, err := os.ReadFile("models.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "models.go is stale: run go generate in cmd/mafc")
}

// TestBundledHashes: every key of the registry is the kernel hash of the
// package it constructs, and bundledFor finds it; an unknown hash finds
// nothing.
func TestBundledHashes(t *testing.T) {
	if bundled == nil {
		t.Skip("built with the mafcgen tag: no bundled packages")
	}
	assert.Len(t, bundled, len(bundlegen.Packages), "registry entries")
	for hash, ctor := range bundled {
		m := ctor()
		assert.Equal(t, hash, m.Program().Hash(), "key of %s", m.Name())
		require.NotNil(t, bundledFor(hash), "bundledFor(hash of %s)", m.Name())
		assert.Equal(t, m.Name(), bundledFor(hash)().Name(), "bundledFor(hash of %s)", m.Name())
	}
	assert.Nil(t, bundledFor("0123"), "bundledFor(unknown hash)")
}
