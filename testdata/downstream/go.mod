module example.com/downstream

go 1.26.0

require (
	github.com/mafc-dev/mafc v0.0.0
	gonum.org/v1/gonum v0.17.0
)

require golang.org/x/sys v0.50.0 // indirect

replace github.com/mafc-dev/mafc => ../..
