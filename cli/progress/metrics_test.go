package progress

import (
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stepRow(step int, loss float64) Row {
	return Row{F(StepColumn, float64(step), ""), F("loss", loss, "%.4f")}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "ReadFile(%s)", path)
	return string(b)
}

func TestMetricsCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	m, err := CreateMetrics(path)
	require.NoError(t, err, "CreateMetrics")
	require.NoError(t, m.Write(stepRow(1, -2.125)))
	// Written through to the file before Close: a killed run keeps it.
	assert.Equal(t, "step,loss\n1,-2.125\n", readString(t, path), "file after one Write, before Close")
	require.NoError(t, m.Write(Row{F("loss", 0.1, ""), F(StepColumn, 2, "")}), "Write with columns reordered")
	require.NoError(t, m.Write(Row{F(StepColumn, 3, "")}), "Write with a column left out")
	require.NoError(t, m.Write(stepRow(4, math.Inf(-1))))
	require.NoError(t, m.Write(stepRow(5, math.NaN())))

	err = m.Write(Row{F(StepColumn, 6, ""), F("lr", 1e-3, "")})
	require.Error(t, err, "Write with a new column")
	assert.Equal(t, `progress: `+path+`: column "lr" is not in the CSV header (step, loss): the first row fixes the columns; use a .jsonl file for varying columns`, err.Error(), "Write error")
	assert.EqualError(t, m.Write(Row{}), "progress: "+path+": empty row", "Write of an empty row")
	assert.EqualError(t, m.Write(Row{F("loss", 1, ""), F("loss", 2, "")}), `progress: `+path+`: column "loss" appears twice in a row`, "Write with a repeated column")
	require.NoError(t, m.Close(), "Close")
	require.NoError(t, m.Close(), "second Close")
	assert.Error(t, m.Write(stepRow(7, 0)), "Write after Close")

	want := "step,loss\n1,-2.125\n2,0.1\n3,\n4,-Inf\n5,NaN\n"
	assert.Equal(t, want, readString(t, path), "CSV file")

	// The standard reader reads it back, values exactly.
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err, "csv.ReadAll")
	require.Len(t, recs, 6, "records")
	assert.Equal(t, []string{"step", "loss"}, recs[0], "header")

	// Reopening appends under the existing header.
	m, err = OpenMetrics(path)
	require.NoError(t, err, "OpenMetrics of an existing CSV")
	require.NoError(t, m.Write(Row{F("loss", 0.5, ""), F(StepColumn, 6, "")}))
	assert.Error(t, m.Write(Row{F("lr", 1, "")}), "the reopened file keeps its header")
	require.NoError(t, m.Close())
	assert.Equal(t, want+"6,0.5\n", readString(t, path), "CSV file after reopening")

	// CreateMetrics starts afresh.
	m, err = CreateMetrics(path)
	require.NoError(t, err)
	require.NoError(t, m.Write(Row{F("a,b", 1, "")}))
	require.NoError(t, m.Close())
	assert.Equal(t, "\"a,b\"\n1\n", readString(t, path), "CreateMetrics truncates; names are CSV-quoted")
}

func TestMetricsJSONL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	m, err := OpenMetrics(path)
	require.NoError(t, err, "OpenMetrics")
	require.NoError(t, m.Write(stepRow(1, -2.125)))
	assert.Equal(t, `{"step":1,"loss":-2.125}`+"\n", readString(t, path), "file after one Write, before Close")
	require.NoError(t, m.Write(Row{F(StepColumn, 2, ""), F("val/nll", 0.1, ""), F(`q"uote`, 1e300, "")}), "Write with new columns")
	require.NoError(t, m.Write(Row{F(StepColumn, 3, ""), F("a", math.NaN(), ""), F("b", math.Inf(1), ""), F("c", math.Inf(-1), "")}))
	require.NoError(t, m.Close())

	want := `{"step":1,"loss":-2.125}
{"step":2,"val/nll":0.1,"q\"uote":1e+300}
{"step":3,"a":"NaN","b":"+Inf","c":"-Inf"}
`
	assert.Equal(t, want, readString(t, path), "JSONL file")
	for i, line := range strings.Split(strings.TrimSpace(want), "\n") {
		var row map[string]any
		assert.NoError(t, json.Unmarshal([]byte(line), &row), "json.Unmarshal of line %d", i+1)
	}
}

func TestMetricsTruncateAfter(t *testing.T) {
	for _, ext := range []string{".csv", ".jsonl"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "metrics"+ext)
			m, err := CreateMetrics(path)
			require.NoError(t, err)
			for step := 1; step <= 10; step++ {
				require.NoError(t, m.Write(stepRow(step, float64(step)/4)))
			}
			require.NoError(t, m.Close())
			full := readString(t, path)

			// The run is killed at step 10 and resumed from a checkpoint at step 6.
			m, err = OpenMetrics(path)
			require.NoError(t, err)
			require.NoError(t, m.TruncateAfter(6), "TruncateAfter(6)")
			for step := 7; step <= 10; step++ {
				require.NoError(t, m.Write(stepRow(step, float64(step)/4)))
			}
			require.NoError(t, m.Close())
			assert.Equal(t, full, readString(t, path), "resumed file equals the uninterrupted one")

			m, err = OpenMetrics(path)
			require.NoError(t, err)
			require.NoError(t, m.TruncateAfter(0), "TruncateAfter(0)")
			require.NoError(t, m.Close())
			if ext == ".csv" {
				assert.Equal(t, "step,loss\n", readString(t, path), "TruncateAfter(0) keeps the header")
			} else {
				assert.Empty(t, readString(t, path), "TruncateAfter(0) keeps nothing")
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			assert.Len(t, entries, 1, "no temp files left: %v", entries)
		})
	}
}

func TestMetricsTruncateAfterErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, msg string
	}{
		{"x.csv", "epoch,loss\n1,2\n", `no "step" column in the CSV header (epoch, loss)`},
		{"y.csv", "step,loss\n1,2\nabc,3\n", `line 3: "step" is "abc", not a number`},
		{"z.jsonl", "{\"step\":1}\n{\"loss\":2}\n", `line 2: no "step" column`},
		{"w.jsonl", "{\"step\":\"NaN\"}\n", `line 1: "step" is "NaN", not a number`},
		{"v.jsonl", "not json\n", "line 1: invalid character"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		require.NoError(t, os.WriteFile(path, []byte(c.content), 0o644))
		m, err := OpenMetrics(path)
		require.NoError(t, err, "OpenMetrics(%s)", c.name)
		err = m.TruncateAfter(5)
		require.Error(t, err, "TruncateAfter on %s", c.name)
		assert.Contains(t, err.Error(), "progress: "+path+": "+c.msg, "TruncateAfter on %s", c.name)
		m.Close()
		assert.Equal(t, c.content, readString(t, path), "%s untouched after a failed TruncateAfter", c.name)
	}
}

func TestMetricsRepairsTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("{\"step\":1}\n{\"step\":2,\"lo"), 0o644))
	m, err := OpenMetrics(path)
	require.NoError(t, err)
	require.NoError(t, m.Write(Row{F(StepColumn, 2, "")}))
	require.NoError(t, m.Close())
	assert.Equal(t, "{\"step\":1}\n{\"step\":2}\n", readString(t, path), "the partial last line is dropped")
}

func TestOpenMetricsErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenMetrics(filepath.Join(dir, "m.txt"))
	assert.EqualError(t, err, `progress: `+filepath.Join(dir, "m.txt")+`: unknown metrics format ".txt" (want .csv or .jsonl)`, "OpenMetrics(m.txt)")
	missing := filepath.Join(dir, "no", "m.csv")
	_, err = OpenMetrics(missing)
	assert.ErrorIs(t, err, fs.ErrNotExist, "OpenMetrics in a missing directory")
	assert.EqualError(t, err, "progress: "+missing+": directory "+filepath.Dir(missing)+" does not exist (create it first or choose another output directory)", "OpenMetrics in a missing directory")
}
