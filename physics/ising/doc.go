// Package ising provides the exact physics of the two-dimensional Ising
// model on a periodic L1×L2 square lattice and of its continuous
// (Hubbard–Stratonovich) relaxation, which is the target density of the
// Monge-Ampère flow of Zhang, E and Wang (arXiv:1809.10188).
//
// # Conventions
//
// Sites are numbered row-major, i = r*L2 + c with 0 ≤ r < L1, 0 ≤ c < L2,
// and N = L1·L2. Boundaries are periodic in both directions and every
// nearest-neighbour bond is counted once, so there are 2N bonds when
// L1, L2 ≥ 3 (all constructors reject smaller sides). The coupling is J = 1,
// there is no field, β = 1/T, and
//
//	Z = Σ_s exp(β Σ_<ij> s_i s_j),   E(s) = −Σ_<ij> s_i s_j.
//
// The infinite-lattice critical temperature is Tc = 2/ln(1+√2).
//
// # Continuous relaxation
//
// Let A be the N×N nearest-neighbour adjacency matrix and
// K = βA + αI with α = 0.1 − λ_min(βA), so that λ_min(K) = 0.1 and K is
// positive definite. The eigenvalues of A are
//
//	λ(k1,k2) = 2cos(2πk1/L1) + 2cos(2πk2/L2),
//
// with eigenvectors given by the 2-D discrete Fourier basis, so
// λ_min(A) = −4 when both sides are even (α = 0.1 + 4β) and, for an odd side
// L, the cosine term contributes −2cos(π/L) instead of −2. The relaxation's
// unnormalised log-density on R^N is
//
//	ln π̃(x) = −½ xᵀK⁻¹x + Σ_i ln cosh x_i .
//
// # The constant C
//
// With Z_cont = ∫ π̃(x) dx,
//
//	ln Z_Ising = ln Z_cont + C,
//	C = N ln 2 − αN/2 − (N/2) ln 2π − ½ ln det K.
//
// Derivation. For s ∈ {±1}^N the Gaussian integral gives
//
//	exp(½ sᵀKs) = ∫ exp(−½ xᵀK⁻¹x + sᵀx) dx / √((2π)^N det K),
//
// and because s_i² = 1, ½ sᵀKs = ½β sᵀAs + ½α sᵀs = β Σ_<ij> s_i s_j + αN/2
// (each bond appears twice in sᵀAs). Summing over s and using
// Σ_s exp(sᵀx) = Π_i 2cosh x_i = 2^N exp(Σ_i ln cosh x_i),
//
//	Z_Ising = e^{−αN/2} (2π)^{−N/2} (det K)^{−1/2} 2^N Z_cont,
//
// which is the formula for C. The same computation, done before integrating
// over x, shows that π̃(x) e^C = Σ_s exp(β Σ_<ij> s_i s_j) 𝒩(x; Ks, K): the
// normalised relaxation is a mixture of Gaussians centred at Ks and weighted
// by the Boltzmann weights. The tests check this mixture identity pointwise
// by brute force on a 3×3 lattice. Given x, the spins are conditionally
// independent with P(s_i = +1 | x) = sigmoid(2x_i) = (1 + tanh x_i)/2
// (see Spins).
//
// A variational density q with loss per site ℓ = E_q[ln q − ln π̃]/N obeys
// ℓ ≥ −ln Z_cont/N (the KL divergence is non-negative), hence
// ln Z_Ising ≥ −Nℓ + C, and the free energy per site f = −T ln Z_Ising/N
// obeys f ≤ −T(−Nℓ + C)/N: every loss gives an upper bound on f
// (see Relaxation.Bound).
//
// # Exact results
//
// LogZ evaluates the partition function of the finite periodic lattice with
// Kaufman's formula (B. Kaufman, Phys. Rev. 76, 1232 (1949)), a sum of four
// products over the transfer-matrix eigenvalues, evaluated in log space.
// EnergyPerSite is its exact analytic β-derivative. OnsagerLogZPerSite and
// OnsagerEnergyPerSite are the thermodynamic limits (L. Onsager, Phys. Rev.
// 65, 117 (1944)), evaluated by composite Gauss–Legendre quadrature.
// LogZBruteForce and BruteForce enumerate all 2^N states for small
// lattices and are used to test the closed forms.
package ising
