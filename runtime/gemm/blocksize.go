package gemm

// Register-block and cache-block sizes for float64; see doc.go for the
// reasoning behind the numbers.
const (
	dgemmMR = 6    // rows of the micro-tile (broadcast elements of A)
	dgemmNR = 8    // columns of the micro-tile (two 4-wide vectors of B)
	dgemmMC = 120  // rows of a packed A block (MC×KC×8 B = 240 KiB, half of L2)
	dgemmKC = 256  // depth of a block (KC×NR×8 B = 16 KiB B sliver in L1)
	dgemmNC = 2048 // columns of a packed B block (KC×NC×8 B = 4 MiB in L3)
)

// Register-block and cache-block sizes for float32; see doc.go for the
// reasoning behind the numbers.
const (
	sgemmMR = 6    // rows of the micro-tile (broadcast elements of A)
	sgemmNR = 16   // columns of the micro-tile (two 8-wide vectors of B)
	sgemmMC = 120  // rows of a packed A block (MC×KC×4 B = 120 KiB)
	sgemmKC = 256  // depth of a block (KC×NR×4 B = 16 KiB B sliver in L1)
	sgemmNC = 2048 // columns of a packed B block (KC×NC×4 B = 2 MiB in L3)
)

// dgemmF32 and sgemmF32 are job.f32 for a call in each precision: whether
// job.sgemm rather than job.dgemm holds the call's parameters.
const (
	dgemmF32 = false
	sgemmF32 = true
)
