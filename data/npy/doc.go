// Package npy writes arrays in NumPy's .npy format (version 1.0), so that
// samples, spin configurations and other outputs of a run open with
// numpy.load; it writes .npz archives of them ([NPZ], as numpy.savez) and
// reads float32 and float64 arrays back ([ReadFloats], bounded).
//
// # Format
//
// A version 1.0 file is
//
//	"\x93NUMPY"  magic, 6 bytes
//	1, 0         major and minor version, 1 byte each
//	HEADER_LEN   uint16, little-endian
//	header       an ASCII Python dict literal, padded with spaces and ended
//	             by '\n' so that 10+HEADER_LEN is a multiple of 64
//	data         the elements in C (row-major) order
//
// The header this package writes is, for a float64 N×D array,
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (N, D), }
//
// with descr '|i1' for int8 data ([WriteInt8]); a one-dimensional shape is
// written "(N,)" and a zero-dimensional (scalar) one "()". The 64-byte
// alignment is what numpy ≥ 1.14 writes; readers accept any multiple of 16.
// Reference: the NEP 1 "A simple file format for NumPy arrays" and
// numpy/lib/format.py.
//
// [WriteFile] and [WriteFileInt8] replace their file atomically (temporary
// file, sync, rename, directory sync), so a reader never sees half an array.
// [Read] reads back float64 files, which is what the tests need;
// [ReadFloats] reads the float32 or float64 files users give as data, and
// refuses a shape over a caller's element limit before reading any data.
package npy
