// Command isingscan draws the free energy, energy and specific heat per
// site of a temperature scan of Ising runs against Kaufman's exact curves,
// and prints the deviations from the exact values.
//
// Usage:
//
//	isingscan [-o scan.png] DIR/report.json...
//
// Each argument is the report.json that mafc train writes (or a run
// directory holding one); all must be for the same lattice. The figure has
// three panels against T: f (the variational bound, and the importance-
// sampling estimate −T ln Ẑ/N), the energy per site (the flow's own,
// reweighted and Metropolis–Hastings), and the specific heat (the flow's
// own and reweighted), each with ±1 standard error bars, and the exact
// finite-lattice curves. A loop such as
//
//	for T in 1.8 2.0 2.2 2.269185314 2.4 2.6 3.0; do
//	    mafc train testdata/ising16_rand.maf -set train.objective.T=$T -o runs/scan/T$T
//	done
//	go run ./cmd/isingscan -o runs/scan/scan.png runs/scan/T*
//
// produces the scan (see the README, Results).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/mafc-dev/mafc/cli/figures"
	"github.com/mafc-dev/mafc/limits"
	"github.com/mafc-dev/mafc/physics/ising"
)

// maxReport bounds the size of a report.json read.
const maxReport = 16 << 20

// run is the part of report.json that the scan uses.
type run struct {
	Path  string
	Ising struct {
		L1       int     `json:"l1"`
		L2       int     `json:"l2"`
		T        float64 `json:"t"`
		GapRel   float64 `json:"gap_rel"`
		FBound   float64 `json:"f_bound"`
		FExact   float64 `json:"f_exact"`
		EExact   float64 `json:"energy_exact"`
		Unbiased *struct {
			ESS      float64  `json:"ess"`
			ESSFrac  float64  `json:"ess_frac"`
			F        float64  `json:"rw_f"`
			FSE      float64  `json:"rw_f_se"`
			E        float64  `json:"rw_energy"`
			ESE      float64  `json:"rw_energy_se"`
			C        float64  `json:"rw_specific_heat"`
			CSE      float64  `json:"rw_specific_heat_se"`
			CExact   float64  `json:"specific_heat_exact"`
			PlainE   float64  `json:"plain_energy"`
			PlainESE float64  `json:"plain_energy_se"`
			PlainC   float64  `json:"plain_specific_heat"`
			PlainCSE float64  `json:"plain_specific_heat_se"`
			MCMCE    float64  `json:"mcmc_energy"`
			MCMCESE  float64  `json:"mcmc_energy_se"`
			Collapse bool     `json:"collapse"`
			Warnings []string `json:"warnings"`
		} `json:"unbiased"`
	} `json:"ising"`
}

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

func mainErr(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("isingscan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "scan.png", "figure `file` (PNG)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "isingscan: give the report.json files (or run directories) of the scan")
		return 2
	}
	runs, err := load(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "isingscan: %v\n", err)
		return 1
	}
	report(stdout, runs)
	if err := draw(*out, runs); err != nil {
		fmt.Fprintf(stderr, "isingscan: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "figure: %s\n", *out)
	return 0
}

// load reads the reports, sorted by temperature, and checks that they are
// Ising runs with unbiased estimates on one lattice.
func load(paths []string) ([]*run, error) {
	var runs []*run
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			p = filepath.Join(p, "report.json")
		}
		b, err := limits.ReadFile(p, maxReport, "a report.json")
		if err != nil {
			return nil, err
		}
		r := &run{Path: p}
		if err := json.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Ising.Unbiased == nil || r.Ising.L1 < 3 || !(r.Ising.T > 0) {
			return nil, fmt.Errorf("%s: not the report of an Ising run with unbiased estimates (train it with this version of mafc)", p)
		}
		if len(runs) > 0 && (r.Ising.L1 != runs[0].Ising.L1 || r.Ising.L2 != runs[0].Ising.L2) {
			return nil, fmt.Errorf("%s: lattice %d×%d, but %s is %d×%d: scan one lattice at a time", p, r.Ising.L1, r.Ising.L2, runs[0].Path, runs[0].Ising.L1, runs[0].Ising.L2)
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Ising.T < runs[j].Ising.T })
	return runs, nil
}

// report prints one line per temperature and the largest deviations.
func report(w io.Writer, runs []*run) {
	fmt.Fprintf(w, "%8s %7s %8s %10s %18s %10s %18s %10s %18s\n", "T", "gap", "ESS", "f_bound−f", "rw f − f (σ)", "plain E−E", "rw E − E (σ)", "plain C−C", "rw C − C (σ)")
	var maxF, maxE, maxC, maxFB, maxPE float64
	for _, r := range runs {
		s, u := r.Ising, r.Ising.Unbiased
		df, de, dc := u.F-s.FExact, u.E-s.EExact, u.C-u.CExact
		fmt.Fprintf(w, "%8.4f %6.2f%% %8.1f %10.5f %10.5f (%+5.1f) %10.5f %10.5f (%+5.1f) %10.4f %10.4f (%+5.1f)", s.T, 100*s.GapRel, u.ESS,
			s.FBound-s.FExact, df, df/u.FSE, u.PlainE-s.EExact, de, de/u.ESE, u.PlainC-u.CExact, dc, dc/u.CSE)
		if u.Collapse {
			fmt.Fprint(w, "  collapse")
		}
		fmt.Fprintln(w)
		maxF, maxE, maxC = math.Max(maxF, math.Abs(df)), math.Max(maxE, math.Abs(de)), math.Max(maxC, math.Abs(dc))
		maxFB, maxPE = math.Max(maxFB, s.FBound-s.FExact), math.Max(maxPE, math.Abs(u.PlainE-s.EExact))
	}
	fmt.Fprintf(w, "largest deviations from exact: f bound %.5f, reweighted f %.5f, plain energy %.5f, reweighted energy %.5f, reweighted specific heat %.4f\n",
		maxFB, maxF, maxPE, maxE, maxC)
}

// draw writes the three panels.
func draw(path string, runs []*run) error {
	L1, L2 := runs[0].Ising.L1, runs[0].Ising.L2
	lo, hi := runs[0].Ising.T, runs[len(runs)-1].Ising.T
	pad := math.Max(0.1, 0.05*(hi-lo))
	lo, hi = math.Max(lo-pad, 0.05), hi+pad
	var et, ef, ee, ec []float64
	for k := 0; k <= 200; k++ {
		T := lo + (hi-lo)*float64(k)/200
		et = append(et, T)
		ef = append(ef, ising.FreeEnergyPerSite(L1, L2, T))
		ee = append(ee, ising.EnergyPerSite(L1, L2, T))
		ec = append(ec, ising.SpecificHeatPerSite(L1, L2, T))
	}
	var fb, fr, ep, er, em, cp, cr figures.ScanSeries
	fb.Name, fr.Name = "variational bound T(ℓ − C/N)", "reweighted −T ln Ẑ/N"
	ep.Name, er.Name, em.Name = "flow's own samples", "reweighted", "Metropolis–Hastings"
	cp.Name, cr.Name = "flow's own samples", "reweighted"
	add := func(s *figures.ScanSeries, T, y, e float64) {
		s.T, s.Y, s.Err = append(s.T, T), append(s.Y, y), append(s.Err, e)
	}
	for _, r := range runs {
		s, u := r.Ising, r.Ising.Unbiased
		add(&fb, s.T, s.FBound, 0)
		add(&fr, s.T, u.F, u.FSE)
		add(&ep, s.T, u.PlainE, u.PlainESE)
		add(&er, s.T, u.E, u.ESE)
		add(&em, s.T, u.MCMCE, u.MCMCESE)
		add(&cp, s.T, u.PlainC, u.PlainCSE)
		add(&cr, s.T, u.C, u.CSE)
	}
	fb.Err = nil
	return figures.ScanFigure(path, fmt.Sprintf("%d×%d Ising model: the flow against the exact solution", L1, L2), []figures.ScanPanel{
		{YLabel: "free energy per site f", ExactT: et, Exact: ef, Estimates: []figures.ScanSeries{fb, fr}},
		{YLabel: "energy per site", ExactT: et, Exact: ee, Estimates: []figures.ScanSeries{ep, er, em}},
		{YLabel: "specific heat per site", ExactT: et, Exact: ec, Estimates: []figures.ScanSeries{cp, cr}},
	})
}
