package limits

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 5, "a test file"); err != nil || string(b) != "12345" {
		t.Fatalf("at the limit: %q, %v", b, err)
	}
	_, err := ReadFile(p, 4, "a test file")
	if err == nil || !strings.Contains(err.Error(), "larger than the limit") || !strings.Contains(err.Error(), "a test file") {
		t.Fatalf("over the limit: %v", err)
	}
	// An endless file stops at the limit.
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := ReadFile("/dev/zero", 1<<10, "a test file"); err == nil {
			t.Fatal("/dev/zero read without error")
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 4, "a test file"); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}
}
