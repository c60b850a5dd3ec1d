// Package openblas is a minimal cgo binding to OpenBLAS for package gemm's
// optional backend: row-major cblas_dgemm and cblas_sgemm, and the size of
// OpenBLAS's thread pool.
//
// Everything but this comment is behind the build tags openblas and cgo
// (and needs libopenblas-dev); without them the package is empty, so
// `go build ./...` needs neither a C toolchain nor OpenBLAS. It is a
// package of its own because Go does not allow cgo in a package with Go
// assembly files, such as package gemm.
package openblas
