package ising

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// relErr returns |got − want|/|want| (or the absolute error when want = 0).
func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// requirePanicsIsing checks that f panics with a string or error whose text
// starts with "ising: ".
func requirePanicsIsing(t *testing.T, f func()) {
	t.Helper()
	var msg string
	func() {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
	}()
	require.NotEmpty(t, msg, "expected a panic")
	require.True(t, strings.HasPrefix(msg, "ising: "), "panic message %q lacks the ising: prefix", msg)
}
