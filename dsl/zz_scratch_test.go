package dsl

import (
	"fmt"
	"os"
	"testing"
)

func TestZZScratch(t *testing.T) {
	fn := os.Getenv("SCRATCH")
	if fn == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(fn)
	p, err := Compile("x.maf", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p.Dump())
}

func TestZZFmt(t *testing.T) {
	fn := os.Getenv("FMT")
	if fn == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(fn)
	out, err := FormatSource(fn, src)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out)
}
