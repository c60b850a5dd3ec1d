package cli

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportNamesDocumented checks that every report.json name is
// snake_case and listed in the README's table.
func TestReportNamesDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, v := range []any{Report{}, IsingReport{}, Unbiased{}, NLLResult{}, evalPoint{}, paperPoint{}} {
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			require.NotEmpty(t, name, "%s.%s has no json name", typ.Name(), typ.Field(i).Name)
			assert.Regexp(t, `^[a-z][a-z0-9_]*$`, name, "%s.%s: json name is not snake_case", typ.Name(), typ.Field(i).Name)
			assert.Contains(t, readme, "`"+name+"`", "%s.%s: report.json name %q is not in the README", typ.Name(), typ.Field(i).Name, name)
		}
	}
}
