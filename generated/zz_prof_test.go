package generated_test

import (
	"testing"

	"github.com/mafc-dev/mafc/generated/ising16cnn"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
)

func BenchmarkZZHut(b *testing.B) {
	o, _ := train.NewVariational(16, 16, 2.269185314213022, 1)
	hut := trainer(b, ising16cnn.New(), o, 64, cnnFlowSteps, 1, ode.Store, func(c *train.Config) { c.Flow.Hutchinson = true })
	defer hut.Close()
	for b.Loop() {
		if _, err := hut.Step(); err != nil {
			b.Fatal(err)
		}
	}
}
