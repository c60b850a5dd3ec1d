// FTZON saves MXCSR at 0(SP) and sets its flush-to-zero and
// denormals-are-zero bits (0x8040): subnormal operands count as 0 and
// subnormal results become 0, instead of costing a microcode assist each
// on Intel cores (about a hundred times an FMA; see doc.go, "Subnormal
// numbers"). FTZOFF restores MXCSR before RET, as the Go ABI requires.
// They need an 8-byte frame and clobber R12 (use them before R12 holds
// anything).
#define FTZON \
	STMXCSR 0(SP)        \
	MOVL    0(SP), R12   \
	ORL     $0x8040, R12 \
	MOVL    R12, 4(SP)   \
	LDMXCSR 4(SP)

#define FTZOFF LDMXCSR 0(SP)
