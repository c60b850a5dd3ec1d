package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mafc-dev/mafc"

// rule says which of mafc's own packages a group of packages may import
// directly. Standard-library and third-party imports are not restricted.
type rule struct {
	group string   // package path prefix, relative to the module
	allow []string // allowed prefixes (a package of the group may always import its own group)
}

// rules is the one-way flow of the pipeline: spec → dsl → ir → codegen →
// generated code → runtime, with the flow, training, physics, data and the
// command layer above the runtime and never below it.
var rules = []rule{
	{"ir", nil},
	// The plan is the model of the generated code, built from the IR
	// alone; the limits estimate a run's memory with that model.
	{"codegen/plan", []string{"ir"}},
	{"limits", []string{"ir", "codegen/plan"}},
	{"dsl", []string{"ir", "limits"}},
	{"codegen", []string{"ir", "limits", "runtime/kern", "internal/atomicfile"}},
	{"generated", []string{"runtime", "ir"}},
	{"runtime", []string{"ir", "ode"}}, // ode: potentialtest's round trips
	{"ode", []string{"ir", "runtime"}},
	{"physics", []string{"limits"}},
	{"data", []string{"internal/atomicfile"}},
	{"train", []string{"ir", "runtime", "ode", "physics", "data", "internal"}},
	{"flow", []string{"ir", "runtime", "ode", "train"}},
}

func within(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func TestImportsPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/")
		for _, imp := range fields[1:] {
			if within(strings.TrimPrefix(imp, module+"/"), "cli") && !within(pkg, "cli") && !within(pkg, "cmd") {
				t.Errorf("%s imports %s: only the commands (cmd/) use the command layer", pkg, imp)
			}
		}
		for _, r := range rules {
			if !within(pkg, r.group) {
				continue
			}
			checked[r.group] = true
			for _, imp := range fields[1:] {
				if !strings.HasPrefix(imp, module+"/") {
					continue
				}
				imp = strings.TrimPrefix(imp, module+"/")
				ok := within(imp, r.group)
				for _, a := range r.allow {
					ok = ok || within(imp, a)
				}
				if !ok {
					t.Errorf("%s imports %s: packages under %s/ may import only %v (README, Layout)", pkg, imp, r.group, r.allow)
				}
			}
		}
	}
	for _, r := range rules {
		if !checked[r.group] {
			t.Errorf("no package under %s/: update the rules with the layout", r.group)
		}
	}
}
