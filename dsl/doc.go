// Package dsl is the front end of mafc, the Monge-Ampère Flow Compiler: it
// parses and checks .maf specs and lowers them to the IR of package
// [github.com/mafc-dev/mafc/ir].
//
// A .maf spec describes a scalar potential network φ: Rᴰ → R, its
// symmetries, the Monge-Ampère flow it drives (dx/dt = ∇φ(x), with the
// log-density changing by −Δφ) and how it is trained. This comment is the
// complete manual of the language. [Parse] reads a spec into a syntax tree,
// [Check] resolves it into an [github.com/mafc-dev/mafc/ir.Program],
// [Compile] does both, and [Format] prints a parsed spec in canonical form.
//
// # An example
//
// The potential of the paper's MNIST experiment (Zhang, E and Wang 2018,
// §4), one hidden layer of 1024 softplus units:
//
//	/// The potential of the paper's MNIST experiment.
//	model mnist
//
//	/// A dequantised, logit-transformed 28×28 image, flattened.
//	input x: vector(784)
//
//	potential {
//	    /// Hidden layer: h = softplus(W₁x + b₁).
//	    h = softplus(dense(x, 1024))
//	    /// Output: φ = w₂ · h.
//	    phi = dense(h, 1, bias = false)
//	}
//
//	flow {
//	    integrator = rk4
//	    steps = 100
//	    dt = 0.1
//	}
//
//	train {
//	    objective = likelihood(mnist)
//	    batch = 100
//	    epochs = 548
//	    optimizer = adam(lr = 1e-3, betas = (0.9, 0.999), weight_decay = 1e-3)
//	    laplacian = exact
//	    precision = float64
//	    checkpoint_every = 500
//	}
//
// The second model of the paper, for the 16×16 Ising model, is in
// the Examples section below, with a convolutional variant.
//
// # Lexical structure
//
// A spec is UTF-8 text of at most [MaxFileSize] bytes (1 MiB). It may not
// contain NUL bytes or control characters other than tab, carriage return
// and newline. Spaces, tabs and newlines separate tokens and are otherwise
// insignificant: a declaration or statement may span several lines, and
// several may share a line.
//
// Comments are written // to the end of the line, or /* … */, which may
// span lines and does not nest. An unterminated /* is an error.
//
// Doc comments are line comments that start with ///. A run of /// lines
// documents the declaration or statement that starts on the line just after
// the run (no blank line in between). The text, without the /// and one
// following space, is kept: the model's doc becomes the doc of the
// generated package, the input's and each statement's the doc of the
// corresponding IR node and generated code.
//
//	/// Hidden layer: h = softplus(W₁x + b₁).
//	h = softplus(dense(x, 1024))
//
// A doc comment is plain text: anything printable, Unicode included. In
// the generated Go it always stays inside // line comments: text that
// looks like a directive (//go:generate …, //line …), a build constraint
// (+build …, go:build …) or a block comment (/* … */) is printed as
// comment text that no Go tool acts on, and cannot end the comment or add
// code. Specs are untrusted input, so characters that can make text
// display differently from what it is are errors anywhere in a spec,
// comments and doc comments included, reported at their line and column:
// control characters other than tab and the line end (LF or CRLF; a lone
// CR is refused), bidirectional overrides, embeddings, isolates and marks
// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width and
// other invisible format characters (Unicode category Cf, such as U+200B,
// U+FEFF and the soft hyphen U+00AD), and the separators U+2028 and
// U+2029.
//
// Names are ASCII letters, digits and underscores, not starting with a
// digit: x, h1, phi, checkpoint_every, at most 64 bytes long (the model's
// names files and directories; every name is repeated in the generated code
// for each operation of its statement). They are case-sensitive. Only
// model, input and time are reserved, and only at the start of a top-level
// declaration; the operation names (dense, conv, softplus, …) cannot name a
// value in a potential block. Each name also names Go identifiers in the
// generated package (h_dense and the dense layer in h both give hDense,
// h and H both sizeH), so the names of a potential must differ in more
// than case, underscores and the parts the compiler appends: a clash is an
// error that names both places.
//
// Numbers are decimal: 784, 0.1, .5, 1e-3, 2.5E+2. There is no sign in a
// literal; a leading minus is the unary minus operator, and may be written
// before a number wherever a number is allowed (seed = -1 is rejected by the
// range check, not by the syntax). Numbers are kept as written when
// formatting. Every number must be a finite float64: 1e999 is out of range,
// 1e-400 (which rounds to zero) is too small, and nan, inf and infinity (in
// any case) are not numbers. Where an integer is required (widths, sizes,
// counts, seeds) the value must be a whole number: 1e3 and 64.0 are
// integers, 2.5 is an error.
//
// Strings are written in double quotes, with Go's backslash escapes, on one
// line: "mnist". They are accepted where a dataset name is, and are the
// only form of a data file's path: likelihood(file = "points.npy").
//
// The punctuation is ( ) { } [ ] , : ; = + - * /. A semicolon may end any
// statement and is never required. Brackets may nest at most [MaxNesting]
// (100) deep.
//
// # Declarations
//
// A spec is a sequence of top-level declarations in any order:
//
//	model NAME
//	input NAME: TYPE
//	time NAME
//	potential { … }
//	symmetry { … }
//	init { … }
//	flow { … }
//	train { … }
//
// model, input and potential are required; time is optional (see Time-dependent
// potentials below); the other blocks are optional
// and take their defaults when absent. Each may appear at most once. A block
// is a name followed by statements in braces, each statement NAME or
// NAME = EXPR. Any other block name is an error.
//
// model NAME names the model, and so the generated Go package: NAME must be
// a lower-case Go package name (lower-case letters and digits, starting
// with a letter, no underscores), and not a Go keyword, a predeclared name
// (len, string, …), main, or a package the generated code imports
// (runtime, math, testing, ir, kern, gemm, blas, blas64, blas32, sync,
// potentialtest).
//
// input NAME: TYPE declares the input x ∈ Rᴰ and its geometry:
//
//	vector(D)          a vector of D reals, 1 ≤ D ≤ 1,048,576
//	lattice(L)         an L×L periodic lattice, one real per site, 2 ≤ L ≤ 4096
//	lattice(L1, L2)    an L1×L2 periodic lattice, L1 rows of L2 sites
//	chain(L)           a periodic chain of L sites (the lattice L×1), 2 ≤ L
//
// A lattice has at most 1,048,576 sites. Its values are stored site-major
// (index (r·L2 + c)·C + channel) and its rows and columns are periodic. The
// arguments may be named: vector(n = 784), lattice(L1 = 8, L2 = 16),
// chain(L = 64).
//
// # The potential block
//
// The potential block defines φ by a sequence of assignments, each binding a
// name to a value computed from the input and earlier names:
//
//	potential {
//	    h1 = lncosh(conv(s, 16, kernel = 5, bias = false))
//	    h2 = softplus(conv(h1, 16, kernel = 3))
//	    g = sum(h2, over = sites)
//	    phi = dense(g, 1, bias = false) + 0.05 * sum(quadratic(s))
//	}
//
// The last statement defines φ and must be a scalar (a value of size 1),
// which in practice means it ends with dense(h, 1), sum(h) or mean(h). Every
// other value must be used by a later statement. A name may be bound only
// once; it may not be the input's name, an operation's name, or differ from
// another name only in case (the generated Go code could not tell them
// apart). Any name may be used: phi is customary for the last.
//
// A value is a vector of N reals or a lattice field of L1×L2 sites with C
// channels; the input is a vector or a one-channel field.
//
// Expressions combine values with:
//
//	a + b, a - b    elementwise sum and difference of two values of equal shape
//	                (residual connections: h1 = h0 + tanh(dense(h0, 128)))
//	k * a, a * k    a value scaled by a numeric constant k; constants multiply
//	a / k           a value divided by a nonzero constant
//	-a              negation
//	( a )           grouping
//	b               a name: the value it is bound to (h2 = h1 copies h1)
//	op(a, …)        an operation, below
//
// Each product has exactly one value in it: sum(x) * sum(x) is an error, and
// so is dividing by a value. A constant alone is not a value (its gradient
// is zero, so the flow cannot use it), and a product whose constant factor
// is zero is rejected for the same reason.
//
// # Operations
//
// The first argument of every operation is the value it applies to; the
// others may be given by position or by name (name = value), positional ones
// first, each at most once.
//
// dense(h, out, bias = true, init = SCHEME) is a fully connected layer,
// also spelled linear: a = W·flatten(h) + b, with W an out×size(h) matrix
// and b a vector of out biases (none with bias = false). A lattice field is
// flattened site-major. 1 ≤ out ≤ 65,536. init overrides the init block's
// scheme for this layer.
//
// conv(h, channels, kernel = 3, bias = true, init = SCHEME, symmetric = G) is a periodic
// 2-D convolution (a cross-correlation) of a lattice field with C input
// channels to one with the given number of output channels:
//
//	y[r, c, o] = b[o] + Σ_{i, a, b} W[o, i, a, b] · h[(r + a − (K1−1)/2) mod L1, (c + b − (K2−1)/2) mod L2, i]
//
// kernel is K for a K×K kernel (K×1 on a chain) or (K1, K2); the sizes must
// be odd, so that the kernel has a centre site, and at most the lattice's.
// The default is 3×3 (3×1 on a chain). conv needs a lattice field: apply it
// to the input or to convolutions of it, before any dense layer or
// reduction over sites. 1 ≤ channels ≤ 65,536.
//
// symmetric = d4 (or c4) ties every kernel's weights under the point group
// acting on the kernel offsets: W[o, i, a, b] depends only on the orbit of
// (a, b) under the 8 rotations and reflections of the square (the 4
// rotations for c4), so the convolution commutes with rotating and
// reflecting the lattice. The weight holds one number per orbit (3 for a
// 3×3 kernel, 6 for 5×5 under d4); it needs a square lattice and kernel.
//
// The activations apply elementwise and keep the shape. Δφ needs σ″ and its
// gradient σ‴, so each is C³ (in fact analytic):
//
//	softplus(h)    ln(1 + eˣ)                a smooth ReLU
//	lncosh(h)      ln cosh x                 a smooth |x|; even. Also logcosh.
//	tanh(h)        tanh x                    odd
//	sigmoid(h)     1/(1 + e⁻ˣ)
//	swish(h)       x·sigmoid(x)              Also silu.
//	quadratic(h)   x²/2                      even
//	identity(h)    x                         odd
//
// Activations that are not twice differentiable (relu, relu6, leaky_relu,
// prelu, elu, selu, abs, hardtanh, hard_sigmoid, hardswish, step, max, min)
// are rejected with the smooth activation to use instead: softplus or swish
// for the ReLU family, lncosh for abs, tanh and sigmoid for their hard
// versions.
//
// sum(h, over = all) and mean(h, over = all) reduce a value to a scalar:
// the sum of its entries, or their mean. With over = sites they reduce a
// lattice field over its sites, giving the vector of its C channel sums (or
// means); this is the global pooling of a convolutional network, and makes
// it translation invariant. For a potential's last pooling prefer the sum:
// the mean divides ∇φ, and so every velocity of the flow, by the number of
// sites, and the output weight must first grow that many times before the
// flow moves (a 16×16 CNN pooled by the mean had barely moved after 100
// steps at lr 1e-3; pooled by the sum it reached a loss within 1% of the
// optimum in 100 steps at lr 1e-2).
//
// A fixed quadratic term, which keeps the flow confining, is written as a
// constant times sum(quadratic(x)): since quadratic(x) is x²/2,
// 0.5 * sum(quadratic(x)) adds |x|²/4 to φ and λ * sum(quadratic(x)) adds
// λ|x|²/2. It has no parameters.
//
// # Time-dependent potentials
//
// time NAME declares a time input: φ becomes φ(x, t), the flow
// dx/dt = ∇ₓφ(x, t) with d ln p/dt = −Δₓφ(x, t). The derivatives are in x
// only; t is one number per evaluation, shared by the batch: every
// integrator evaluates its k-th stage of step n at t_n + c_k·dt, from 0 to T
// when sampling and from T back to 0 when computing densities. t is not a
// value of the potential (h = t and dense(t, 4) are errors); it enters
// layers, as their time features:
//
//	t                   the time itself
//	fourier(t, k)       sin(jπt/P) and cos(jπt/P) for j = 1…k, 1 ≤ k ≤ 64
//	fourier(t, k, period = P)
//	                    P defaults to the flow's T = steps·dt (as written)
//	[t, fourier(t, k)]  both
//
// Two forms take features f(t):
//
//	dense(h, out, time = F)
//	conv(h, channels, time = F)
//	                    concatenation: the features are extra inputs of the
//	                    layer, a = W·h + b + U·f(t) (for a convolution,
//	                    constant input channels: a per-channel term U·f(t))
//	gate(LAYER, F, shift = true)
//	                    a gated layer (FFJORD's concat-squash): LAYER, a dense
//	                    or conv call written in place, is scaled per output
//	                    by sigmoid(A·f(t) + c) and, with shift, shifted by
//	                    V·f(t): y = (W·h + b)⊙sigmoid(A·f(t) + c) + V·f(t)
//
// For example, OT-Flow's and FFJORD's first layers, and Fourier features:
//
//	time t
//
//	potential {
//	    h1 = softplus(dense(x, 256, time = t))
//	    h2 = tanh(gate(dense(h1, 256), t))
//	    h3 = tanh(dense(h2, 256, time = [t, fourier(t, 4)]))
//	    phi = dense(h3, 1, bias = false)
//	}
//
// The time parameters U (out×F), A (out×F), c (out) and V (out×F) come
// after all other parameters in θ, layer by layer, so the others keep the
// offsets and initial values of the spec without time. U is initialised
// like the layer's weight with fan-in size(h) + F (PyTorch's default for
// the widened layer). A gated layer starts close to the layer without
// gate: A = 0, V = 0 and c = 4, so s = sigmoid(4) ≈ 0.98 at every t.
// (FFJORD's default initialisation starts its gates near ½, which with
// Adam and the paper's weight decay of 1e-3 let the decay shrink the
// ising16_t weights to zero before the flow learned anything.)
//
// Because t is constant within an evaluation, every time term is a bias
// or a per-output scale of its layer for that t: the compiled kernels
// evaluate the time-free network with the effective parameters
// W′ = diag(s)·W, b′ = s⊙(b + U·f(t)) + V·f(t), every exact-Laplacian
// strategy (closed forms, forward Laplacian, Gram matrices, receptive
// fields) applies unchanged, and the reverse mode covers every time
// parameter. Symmetries are proved with t as a parameter: a gate keeps a
// layer odd in x, a time term (or a gate's shift) is a bias, which breaks
// z2 by construction; translations and d4 are kept (a per-channel term).
//
// A spec with a time input needs a flow block (the time range is part of
// the model). It is an error to declare a time no layer uses, to make φ
// depend on t but not on x, to give time features without declaring time,
// to use t as a convolution's spatial input, or to put time terms in the
// output layer, where they only add a function of t to φ and move nothing.
//
// The hidden-space integrator (below) takes time-dependent potentials with
// one hidden layer too: for a fixed t the hidden layer's time terms are a
// per-unit scale s(t) and bias b′(t) of its pre-activations,
// s(t)⊙(W·x) + b′(t), and the output's gate a factor of φ, so the flow
// stays exact in z = W·x, with every stage at its own time.
//
// # The symmetry block
//
// The symmetry block declares groups under which φ must be invariant, each
// as a statement GROUP or GROUP = STRATEGY:
//
//	z2              x → −x
//	translations    the periodic translations of a lattice or chain input (also translation);
//	                L1·L2 elements
//	d4              the 8 rotations and reflections of a square lattice input
//	c4              the 4 rotations of a square lattice input; declare d4 or c4, not both
//
// Each group is made exact by one of two strategies:
//
//	construction    the architecture is invariant as written; the checker must prove it
//	average         φ is replaced by its orbit average (1/|G|) Σ_g f(g·x), which
//	                costs |G| evaluations
//	auto            construction when the checker can prove it, average otherwise
//	                (the default)
//
// A third strategy is not exact for φ:
//
//	random          the flow integrates φ∘g_n on its n-th step, g_n a uniformly
//	                random group element (the stochastic symmetrisation of the
//	                paper's reference code, which draws a random translation and
//	                transpose); free, but φ is not invariant
//
// With random groups every draw of g_1 … g_N is an exact flow with an exact
// ln p, and the model is the mixture over the draws: its density is
// symmetric as a whole (for a symmetric base), not for each draw, and the
// variational loss averaged over the draws still bounds the free energy
// from above. The draws follow the run's seeds (a training step's, or an
// evaluation chunk's); a round trip with the same seed retraces them.
// Declaring `= random` for a group the architecture already makes exact is
// an error. Generated tests check only the exact groups.
//
// The checker proves invariance by propagating a class through the graph.
// For z2 the input is odd; a dense layer or convolution keeps an odd value
// odd only without a bias; an even activation (lncosh, quadratic) of an odd
// value is even and an odd one (tanh, identity) keeps it odd, while any
// other activation breaks the parity; a function of an even value is even;
// a sum of two values keeps their common parity. φ is invariant when it
// comes out even. For translations the input is equivariant;
// convolutions, activations, scalings and sums of equivariant values keep
// it equivariant; a sum or mean (over everything or over sites) of an
// equivariant value is invariant, and so is anything computed from an
// invariant value; a dense layer of an equivariant field, and a sum of an
// equivariant and an invariant value, are neither. For d4 and c4 the
// input is equivariant; a convolution keeps equivariance only when its
// kernels are tied under the group (symmetric = d4, or d4 for c4);
// activations, scalings, sums and reductions behave as for translations;
// a dense layer of a field breaks it. When a declaration says construction and the proof
// fails, the error names the layer that breaks it (a bias, an activation, a
// dense layer) and suggests the fix or `= average`.
//
// The averaged groups together may have at most 4096 elements (their
// orders multiply).
//
// # The init block
//
// The init block sets how parameters are initialised:
//
//	scheme = uniform        U(−1/√fanin, 1/√fanin) for weights and biases, PyTorch's
//	                        default for linear and convolution layers (the default)
//	scheme = normal(std = σ)  N(0, σ²), 0 < σ ≤ 10⁶ (normal(0.01) also works)
//	scheme = glorot         Glorot/Xavier uniform U(−a, a), a = √(6/(fanin + fanout));
//	                        biases zero
//	scheme = lecun          N(0, 1/fanin); biases zero
//	scheme = zero           all zero
//	seed = 1                the seed of the initial parameters, 0 ≤ seed < 2³¹ (default 1)
//
// fanin is size(h) for dense(h, out) and C·K1·K2 for a convolution; fanout
// is out, or channels·K1·K2. A dense or conv call's own init = SCHEME takes
// precedence over the block's scheme for that layer. The same spec and seed
// give the same parameters on every machine.
//
// # The flow block
//
// The flow block sets the integrator of dx/dt = ∇φ(x) from t = 0 to T:
//
//	integrator = rk4    rk4 (classic fourth-order Runge-Kutta, the default), euler or midpoint
//	steps = 50          number of steps, 1 ≤ steps ≤ 1,048,576 (default 50)
//	dt = 0.1            step size, 0 < dt ≤ 1000 (default 0.1)
//	time = 5            total time T, 0 < T ≤ 10⁶
//
// Give at most two of steps, dt and time. Without time, T = steps·dt. With
// time and steps, dt = time/steps. With time and dt, time must be a whole
// number of steps of dt. With time alone, steps = max(1, round(time/0.1))
// and dt = time/steps.
//
// A potential with one hidden layer, w·σ(W·x + b) with at most 2·D hidden
// units (with or without time terms), is integrated in its hidden
// pre-activations z = W·x + b (the same discrete flow with H×H instead of
// H×D products, in the kernels' precision; ode.Hidden); mafc train
// -input-space integrates in x instead.
//
// # The train block
//
// The train block sets the objective and the optimisation. objective is
// required when the block is present; everything else has a default:
//
//	objective = likelihood(DATASET)
//	objective = likelihood(file = "points.npy", validation = 0.1)
//	objective = variational(ising(L = 16, T = critical))
//	batch = 64                 samples per step, 1 ≤ batch ≤ 1,048,576 (default 64)
//	steps = 1000               optimiser steps, 1 ≤ steps ≤ 2³⁰
//	epochs = 10                passes over the dataset, 1 ≤ epochs ≤ 2²⁰; likelihood only
//	optimizer = adam(…)        adam, adamw or sgd, below (default adam())
//	laplacian = exact          exact (the default), hutchinson or hutchinson(probes = P)
//	precision = float64        float64 (the default) or float32
//	seed = 1                   the seed of training's random numbers, 0 ≤ seed < 2³¹ (default 1)
//	checkpoint_every = 100     steps between checkpoints, 1 ≤ n ≤ 2³⁰ (default 100)
//	memory = store             store (the default), recompute or recompute(every = K)
//	workers = 4                goroutines computing gradient shards, 1 ≤ workers ≤ 1024
//	                           (default: all CPUs; results do not depend on it)
//	anneal = none              none (the default) or linear(from = T₀, steps = S, hold = H); variational only
//	force_matching = 0         δ ≥ 0 of the force-matching term, 0 ≤ δ ≤ 10⁶ (default 0: off); variational only
//
// Give steps or epochs, not both; with neither, steps = 1000.
//
// likelihood(DATASET) maximises the likelihood of a dataset: mnist (D = 784,
// dequantised and logit-transformed 28×28 images), moons (D = 2) or
// gaussian (any D). The dataset's
// dimension must be the input's. The name may be quoted: likelihood("mnist").
// gaussian is N(0, diag(σ²)) with σᵢ = 0.5 + i/D, whose exact entropy, the
// best achievable negative log-likelihood, is known.
//
// likelihood(file = "points.npy", validation = 0.1) maximises the
// likelihood of your own points: a .npy file (float32 or float64, shape
// N×D) or a .csv file (numbers only, one point per line, an optional header
// line; lines starting with # are comments). A relative path is read
// relative to the spec's directory; mafc train -data FILE replaces it (a
// path relative to the working directory). D must be the input's
// dimension, every value finite, and the file at most 2 GiB and 2²⁸
// values; these are checked when the file is read, and every error names
// the file (and the line, for CSV). validation (0 ≤ validation ≤ 0.9,
// default 0) holds out that fraction of the points, chosen by a shuffle
// seeded with the training seed (the same seed gives the same split), for
// the validation NLL. An epoch is one pass over the training points. The
// file is not part of the model hash: the same kernels and checkpoints
// serve any data file.
//
// variational(ising(L = 16, T = critical)) minimises the reverse KL
// divergence to the Boltzmann distribution of the 2-D Ising model, relaxed
// to continuous variables. L (3 ≤ L ≤ 4096) gives an L×L lattice, or
// L1 and L2 a rectangular one; without them the lattice is the input's, or
// √D×√D for a vector input whose D is a perfect square. The lattice must
// have the input's sites, at most 16,384 (the relaxation keeps a dense N×N
// matrix). T is a temperature with 10⁻⁶ ≤ T ≤ 10⁶, or critical, the
// critical temperature 2/ln(1 + √2) ≈ 2.269: below 10⁻⁶, β = 1/T is so large
// that the relaxation's shift α = 0.1 − βλ_min(A) loses its 0.1 to rounding,
// and near 10⁻¹⁵ the matrix K = βA + αI is singular (the loss is NaN). A
// variational objective draws
// fresh samples every step, so it takes steps, not epochs.
//
// anneal = linear(from = 4, steps = 300, hold = 300) trains a variational
// objective at a higher temperature first, the standard cure for the mode
// collapse of reverse-KL training (at T_c, a flow trained at T_c alone
// tends to sample only the two ordered states): steps 1 to H (hold,
// default 0) train against the relaxation at T₀ = from, and step n after
// them at inverse temperature β₀ + (β − β₀)·(n − H − 1)/S, β₀ = 1/from,
// β = 1/T, until every step after H + S trains at T itself. from is a
// temperature in the range of T other than T, 1 ≤ S ≤ 2³⁰ and
// 0 ≤ H ≤ 2³⁰. The schedule depends on the step alone: a run shorter than
// H + S (mafc train -steps 10) ends inside the anneal, at a hotter
// temperature, and is the start of the longer run, which resuming it
// continues. The loss of an annealed step is against its own
// temperature's relaxation. mafc train records the schedule in its
// checkpoints: resuming with another is refused unless -override.
//
// force_matching = δ adds the force-matching term of the paper's reference
// code (its option -delta) to a variational objective: training minimises
// the mean over samples of ℓ + δ·‖∇ₓ ln p(x) − ∇ₓ ln π̃(x)‖²/N, the model's
// score against the target's (a Fisher divergence). Unlike the reference,
// whose forces are detached from the parameters (the term changes the
// reported loss, not the gradient), mafc differentiates it: the score is
// integrated along the flow and back-propagated (package ode's score flow,
// about 3× the work of a plain step per stage in x, none in the hidden
// space). It needs laplacian = exact and float64 kernels, runs in x (not in
// the hidden layer's pre-activations) and in one process. The loss that mafc
// train reports stays ℓ; the force term is a column of its own (force).
//
// The optimizers and their arguments (all optional, by position in this
// order or by name):
//
//	adam(lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0, schedule = constant, warmup = 0)
//	adamw(lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0.01, schedule = constant, warmup = 0)
//	sgd(lr = 1e-3, momentum = 0, weight_decay = 0, schedule = constant, warmup = 0)
//
// with 0 < lr ≤ 10, betas a pair (β₁, β₂) with 0 ≤ βᵢ < 1, 0 < eps ≤ 1,
// 0 ≤ weight_decay ≤ 10 and 0 ≤ momentum ≤ 1; for adamw and sgd, which
// multiply θ by 1 − lr·weight_decay every step, lr·weight_decay ≤ 1 (beyond
// 2 the factor exceeds 1 in magnitude and θ diverges). adam adds weight_decay·θ to
// the gradient (L2 regularisation, PyTorch's Adam, as in the paper); adamw
// decays the weights directly (Loshchilov and Hutter 2019). schedule is
// constant or cosine (decay to zero over the run), after warmup steps of
// linear warm-up. optimizer = adam is adam with every default.
//
// laplacian = exact computes Δφ exactly (forward-mode propagation of the
// Laplacian through the network); hutchinson estimates it with P Rademacher
// probes per sample (default 1, 1 ≤ P ≤ 1024): E[vᵀ∇²φ v] = Δφ.
//
// memory = store keeps every intermediate state of the flow for the
// backward pass; recompute(every = K) keeps one in K steps and recomputes
// the others (default K = 10, 1 ≤ K ≤ 2²⁰), trading time for memory. With
// the exact Laplacian, both also keep the outputs of a dense layer of the
// input for those states (B·width numbers per stage), so that the backward
// pass does not recompute that product.
//
// # Limits
//
// Package [github.com/mafc-dev/mafc/limits] states every limit, and
// the same limits hold for every command (check, gen, train, sample, eval):
// a spec beyond one is rejected with a positioned error before anything is
// read past it or allocated, and a command-line flag that overrides a
// setting has the setting's range. [Check] uses [DefaultLimits]
// (limits.Default); [CheckWithLimits] takes others.
//
//	spec size           1 MiB; reading stops one byte past it (the error points there)
//	names               64 bytes (model, input and values)
//	MaxDim              2²⁰ = 1,048,576       input dimension D (lattice sites for a lattice)
//	MaxWidth            2¹⁶ = 65,536          dense width, conv channels
//	MaxParams           2²⁸ = 268,435,456     parameters (2 GiB in float64)
//	MaxBatch            2²⁰                   batch size
//	MaxNodes            2¹⁴ = 16,384          operations of the potential's graph
//	MaxMemory           16 GiB                estimated memory of a run
//	MaxGenerated        16 MiB                estimated size of the generated Go file
//	orbit average       4,096 group elements
//	Ising target        16,384 sites
//
// The memory estimate ([limits.Resources]) is of a training run with the
// spec's settings (two gradient shards and the final evaluation of 16
// batches), or of sampling 64 points for a spec without a train block. It
// counts the workspaces of the generated code (per sample, each node's value,
// Laplacian and the stored part of its Jacobian: none for a dense layer of
// the input, whose Jacobian is its weight; the receptive field of a
// convolution; D otherwise; times the orbit-average factor), the
// integrators' scratch, the trajectory the backward pass reads (with memory
// = store, every stage state of every flow step: steps × stages × batch ×
// (D + the width of the dense layer of the input) reals; with recompute,
// one state every K steps and one segment's stages), the parameters with
// their gradients, gradient shards and optimiser moments, the Ising
// target's K⁻¹ and the evaluated samples. The error is reported at the
// setting that drives the largest part (memory, the flow's steps, batch),
// or at φ for the network itself. train, sample and eval estimate the same
// at the values their flags give, and name the flag and the largest value
// that fits.
//
// The generated-code estimate ([limits.GeneratedBytes]) grows with the
// number of operations (about 5.5 KiB of Go each), the length of their
// names and the size of tied convolution kernels; printing and formatting
// the code takes about 70 times its size, so the limit keeps gen within
// about 1 GiB. Fixed ranges complete these: lattice sides from 2 to 4096,
// kernel sizes at most 4096, brackets nested at most 100 deep.
//
// # Errors
//
// Every error has the form
//
//	file:line:col: message
//
// with a lower-case message that quotes the user's text and lists the valid
// choices, and names the first position when something is repeated:
//
//	mnist.maf:6:9: unknown operation "gelu" (want dense, conv, sum, mean or an activation: softplus, lncosh, tanh, sigmoid, swish, quadratic, identity)
//	mnist.maf:7:5: duplicate name "h", first defined (as value) at mnist.maf:6:5
//
// [Parse], [Check] and [Compile] report all the errors of a file, as an
// [ErrorList] sorted by position; its Error method prints one per line.
// Parse resynchronises at each top-level declaration, so a syntax error in
// one block does not hide those in the others (it stops after 100). Lexical
// problems (binary content, invalid UTF-8, control characters, an
// unterminated comment, an empty or oversized file) are reported alone.
//
// # Examples
//
// The potential of the paper's 2-D Ising experiment (§5): one hidden layer
// of 512 ln cosh units without a first-layer bias, so φ is exactly even (Z2
// by construction), 256·512 + 512 = 131,584 parameters:
//
//	model ising16
//
//	/// The continuous relaxation of 16×16 Ising spins, flattened row-major.
//	input x: vector(256)
//
//	potential {
//	    h = lncosh(dense(x, 512, bias = false))
//	    phi = dense(h, 1, bias = false)
//	}
//
//	symmetry {
//	    z2 = construction
//	}
//
//	flow {
//	    integrator = rk4
//	    steps = 50
//	    dt = 0.1
//	}
//
//	train {
//	    objective = variational(ising(L = 16, T = critical))
//	    batch = 64
//	    steps = 2000
//	    optimizer = adam(lr = 1e-3, weight_decay = 1e-3)
//	    checkpoint_every = 100
//	}
//
// A potential with the full symmetry of the square-lattice Ising model, all
// by construction at no extra cost: translations (periodic convolutions and a
// sum over the sites), Z2 (bias-free first convolution, even ln cosh) and D4
// (kernels tied under rotations and reflections):
//
//	model ising16cnn
//
//	input s: lattice(16)
//
//	potential {
//	    h1 = lncosh(conv(s, 16, kernel = 5, bias = false, symmetric = d4))
//	    h2 = softplus(conv(h1, 16, kernel = 3, symmetric = d4))
//	    g = sum(h2, over = sites)
//	    phi = dense(g, 1, bias = false) + 0.05 * sum(quadratic(s))
//	}
//
//	symmetry {
//	    translations
//	    z2
//	    d4
//	}
//
//	train {
//	    objective = variational(ising(T = critical))
//	    steps = 2000
//	}
//
// A residual network, with a quadratic term and training on a Gaussian:
//
//	model resnet
//
//	input x: vector(64)
//
//	potential {
//	    h0 = tanh(dense(x, 128))
//	    h1 = h0 + tanh(dense(h0, 128))
//	    h2 = h1 + swish(dense(h1, 128))
//	    phi = dense(h2, 1, bias = false) + 0.1 * sum(quadratic(x))
//	}
//
//	train {
//	    objective = likelihood(gaussian)
//	    steps = 500
//	}
//
// # Formatting
//
// [Format] prints a spec canonically: declarations separated by a blank
// line, one statement per line indented by four spaces, single spaces
// around = and the binary operators, ", " between arguments, no semicolons
// or trailing commas, numbers as written, and every comment kept in place.
// Formatting is idempotent and does not change what a spec compiles to.
//
// # Grammar
//
// The grammar in EBNF, as participle derives it from the parser's structs
// ([Grammar] returns it; a golden test keeps this copy current). <ident>,
// <number> and <string> are the names, numbers and strings above; comments
// and whitespace may appear between any two tokens.
//
//	File = Decl* .
//	Decl = ModelDecl | InputDecl | TimeDecl | Block .
//	ModelDecl = "model" <ident> .
//	InputDecl = "input" <ident> ":" Call .
//	Call = <ident> "(" (Arg ("," Arg)* ","?)? ")" .
//	Arg = (<ident> "=")? Expr .
//	Expr = Term OpTerm* .
//	Term = Unary OpUnary* .
//	Unary = "-"? Primary .
//	Primary = <number> | <string> | Call | <ident> | ("(" Expr ("," Expr)* ")") | List .
//	List = "[" (Expr ("," Expr)* ","?)? "]" .
//	OpUnary = ("*" | "/") Unary .
//	OpTerm = ("+" | "-") Term .
//	TimeDecl = "time" <ident> .
//	Block = <ident> "{" Stmt* "}" .
//	Stmt = <ident> ("=" Expr)? ";"? .
//
// The grammar is deliberately loose: every block shares the statement form,
// and expressions admit tuples, lists and strings. The checker gives each
// its meaning and reports what does not fit.
package dsl
