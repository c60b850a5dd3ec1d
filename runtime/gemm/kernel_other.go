//go:build !amd64 || noasm

package gemm

// haveAsm is false: without the amd64 assembly every call goes to gonum.
// The portable stand-ins for the kernels are in dgemm_other.go and
// sgemm_other.go.
var haveAsm = false

// haveWide and useWide are false: the wide stand-ins in dgemm_other.go and
// sgemm_other.go only keep the driver compiling.
var haveWide, useWide = false, false
