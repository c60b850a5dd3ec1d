package dsl

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDocCRLF checks that a doc comment in a file with CRLF line ends keeps
// no carriage return: it would end the line early in generated Go.
func TestDocCRLF(t *testing.T) {
	src := "/// The model.\r\n/// Second line.\r\nmodel a\r\ninput x: vector(2)\r\npotential {\r\n  /// h's doc\r\n  h = tanh(dense(x, 2))\r\n  phi = dense(h, 1)\r\n}\r\n"
	p, err := Compile("crlf.maf", []byte(src))
	require.NoError(t, err)
	require.Equal(t, "The model.\nSecond line.", p.Doc)
	found := false
	for _, n := range p.Nodes {
		if n.Name == "h" {
			require.Equal(t, "h's doc", n.Doc)
			found = true
		}
	}
	require.True(t, found, "no node h")
}
