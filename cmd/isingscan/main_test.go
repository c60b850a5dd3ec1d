package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/cli"
	"github.com/mafc-dev/mafc/physics/ising"
)

// writeReport writes the report.json that mafc train would write for a run
// at temperature T whose estimates are the exact values plus dev.
func writeReport(t *testing.T, dir string, T, dev float64) string {
	t.Helper()
	L := 8
	fe := ising.FreeEnergyPerSite(L, L, T)
	e := ising.EnergyPerSite(L, L, T)
	c := ising.SpecificHeatPerSite(L, L, T)
	rep := cli.Report{Model: "ising8", Objective: "variational", Ising: &cli.IsingReport{
		L1: L, L2: L, T: T, GapRel: 0.01, FBound: fe + 0.05, FExact: fe, EnergyExact: e,
		Unbiased: &cli.Unbiased{ESS: 100, ESSFrac: 0.1, FRW: fe + dev, FRWSE: 0.01, EnergyRW: e + dev, EnergyRWSE: 0.01,
			HeatRW: c + dev, HeatRWSE: 0.1, HeatExact: c, EnergyPlain: e - 0.1, EnergyPlainSE: 0.01, HeatPlain: c, HeatPlainSE: 0.1,
			EnergyMCMC: e, EnergyMCMCSE: 0.02},
	}}
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	d := filepath.Join(dir, "T"+ftoa(T))
	require.NoError(t, os.MkdirAll(d, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(d, "report.json"), b, 0o644))
	return d
}

func ftoa(v float64) string { b, _ := json.Marshal(v); return string(b) }

func TestScan(t *testing.T) {
	dir := t.TempDir()
	a := writeReport(t, dir, 3.0, 0.002)
	b := writeReport(t, dir, 2.0, -0.004)
	png := filepath.Join(dir, "scan.png")
	var out, errb bytes.Buffer
	code := mainErr([]string{"-o", png, a, filepath.Join(b, "report.json")}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	s := out.String()
	// Sorted by T, and the largest deviations are those written.
	assert.Less(t, strings.Index(s, "  2.0000"), strings.Index(s, "  3.0000"), s)
	assert.Contains(t, s, "reweighted f 0.00400", s)
	assert.Contains(t, s, "plain energy 0.10000", s)
	fi, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, fi.Size(), int64(10000))
}

func TestScanRejectsOtherReports(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"model":"mnist","objective":"likelihood"}`), 0o644))
	var out, errb bytes.Buffer
	assert.Equal(t, 1, mainErr([]string{"-o", filepath.Join(dir, "x.png"), p}, &out, &errb))
	assert.Contains(t, errb.String(), "not the report of an Ising run")
	assert.Equal(t, 2, mainErr(nil, &out, &errb))
}
