package dsl

import (
	"strconv"
	"strings"
	"time"
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

func TestZZCorpus(t *testing.T) {
	dir := os.Getenv("CORPUS")
	if dir == "" {
		t.Skip()
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, _ := os.ReadFile(dir + "/" + e.Name())
		s := string(b)
		i := strings.Index(s, "[]byte(")
		src, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(s[i+7:]), ")"))
		if err != nil {
			t.Fatal(err)
		}
		st := time.Now()
		_, cerr := Compile("f.maf", []byte(src))
		fmt.Printf("%v %d %v\n", time.Since(st), len(src), cerr != nil)
	}
}
