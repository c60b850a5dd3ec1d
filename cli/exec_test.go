package cli

import (
	"bytes"
	"strings"
	"testing"
)

// An endless -program file is refused at the limit instead of being read
// into memory.
func TestExecBoundsProgram(t *testing.T) {
	var out, errb bytes.Buffer
	rc := Exec(nil, []string{"train", "-program", "/dev/zero", "x.maf"}, &out, &errb)
	if rc != 2 || !strings.Contains(errb.String(), "larger than the limit") {
		t.Fatalf("rc %d, stderr %q", rc, errb.String())
	}
}
