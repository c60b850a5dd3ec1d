package ir

import (
	"regexp"
	"testing"
)

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"h":          "h",
		"h.dense":    "hDense",
		"h1_conv":    "h1Conv",
		"H_":         "H",
		"len":        "len_",
		"m":          "m_",
		"c":          "c_",
		"MaxBatch":   "MaxBatch_",
		"":           "v",
		"1x":         "v1x",
		"a\n}; x(":   "aX",
		"é.dense":    "dense",
		"h..__dense": "hDense",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
	ident := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*_?$`)
	for _, s := range []string{"/**/ }; func init() {", "\u202e", "go:generate", "a b"} {
		if g := GoName(s); !ident.MatchString(g) {
			t.Errorf("GoName(%q) = %q, not an identifier", s, g)
		}
	}
}

func TestGoNamesClashes(t *testing.T) {
	nodes := func(names ...string) []*Node {
		var out []*Node
		for i, n := range names {
			out = append(out, &Node{ID: i, Name: n})
		}
		return out
	}
	for _, tc := range []struct {
		names []string
		want  []GoNameClash
	}{
		{[]string{"x", "h", "h.dense", "phi", "phi.dense"}, nil},
		{[]string{"x", "h.dense", "H_.dense"}, []GoNameClash{{1, 2, "sizeHDense"}}},
		{[]string{"x", "h", "h_b"}, []GoNameClash{{1, 2, "hB"}}},
		{[]string{"x", "h", "h_r_f"}, []GoNameClash{{1, 2, "hRF"}}},
		{[]string{"x", "h.dense", "h_dense"}, []GoNameClash{{1, 2, "hDense"}}},
		// Repeated derived names are numbered, not clashes.
		{[]string{"x", "phi.dense", "phi.dense", "phi"}, nil},
	} {
		stems, got := GoNames(nodes(tc.names...))
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("GoNames(%q) clashes = %v, want %v", tc.names, got, tc.want)
		}
		if len(got) == 0 {
			seen := map[string]bool{}
			for _, s := range stems {
				for _, id := range GoIdents(s) {
					if seen[id] || IsReservedGoName(id) {
						t.Errorf("GoNames(%q): identifier %s declared twice or reserved", tc.names, id)
					}
					seen[id] = true
				}
			}
		}
	}
}

func TestCheckPackageName(t *testing.T) {
	for _, ok := range []string{"mnist", "ising16", "a"} {
		if err := CheckPackageName(ok); err != nil {
			t.Errorf("CheckPackageName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "_", "main", "Mnist", "mnist_v2", "9lives", "func", "len", "string", "runtime", "math", "testing",
		"x; func init() {}", "a\nb", "pkg\u202e"} {
		if err := CheckPackageName(bad); err == nil {
			t.Errorf("CheckPackageName(%q) = nil, want an error", bad)
		}
	}
}
