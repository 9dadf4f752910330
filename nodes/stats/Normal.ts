/**
 * The standard normal distribution: Φ (the CDF) and Φ⁻¹ (the quantile), both to about double
 * precision. Pure functions, no state.
 *
 * - Φ: W. J. Cody's rational Chebyshev approximations (ACM TOMS Algorithm 715, the algorithm R's
 *   `pnorm` runs), in three ranges of |x|, with the exp(−x²/2) factor split so the tails keep
 *   their relative accuracy (Φ(−10) ≈ 7.62e−24, not 0).
 * - Φ⁻¹: M. J. Wichura's Algorithm AS 241 (PPND16, Applied Statistics 37, 1988), relative error
 *   about 1e−16 over (0, 1).
 */

const A = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113]
const B = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956]
const C = [
  0.39894151208813466764,
  8.8831497943883759412,
  93.506656132177855979,
  597.27027639480026226,
  2494.5375852903726711,
  6848.1904505362823326,
  11602.651437647350124,
  9842.7148383839780218,
  1.0765576773720192317e-8
]
const D = [
  22.266688044328115691,
  235.38790178262499861,
  1519.377599407554805,
  6485.558298266760755,
  18615.571640885098091,
  34900.952721145977266,
  38912.003286093271411,
  19685.429676859990727
]
const P = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303]
const Q = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244, 7.29751555083966205e-5]
const SQRT_32 = 5.656854249492380195206754896838
const ONE_OVER_SQRT_2PI = 0.398942280401432677939946059934

/** exp(−x²/2)·factor, with x² split at a multiple of 1/16 so the product loses no precision. */
const gaussianTail = (x: number, factor: number): number => {
  const xsq = Math.trunc(x * 16) / 16
  const del = (x - xsq) * (x + xsq)
  return Math.exp(-xsq * xsq * 0.5) * Math.exp(-del * 0.5) * factor
}

/** Φ(x) = P[Z ≤ x] for a standard normal Z. NaN for NaN; 0 and 1 at the infinities. */
export const normalCdf = (x: number): number => {
  if (Number.isNaN(x)) return NaN
  const y = Math.abs(x)
  if (y <= 0.67448975) {
    let xnum = 0
    let xden = 0
    if (y > 1.1102230246251565e-16) {
      const xsq = x * x
      xnum = A[4]! * xsq
      xden = xsq
      for (let i = 0; i < 3; i++) {
        xnum = (xnum + A[i]!) * xsq
        xden = (xden + B[i]!) * xsq
      }
    }
    return 0.5 + (x * (xnum + A[3]!)) / (xden + B[3]!)
  }
  let lower: number
  if (y <= SQRT_32) {
    let xnum = C[8]! * y
    let xden = y
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + C[i]!) * y
      xden = (xden + D[i]!) * y
    }
    lower = gaussianTail(y, (xnum + C[7]!) / (xden + D[7]!))
  } else if (y < 50) {
    const xsq = 1 / (x * x)
    let xnum = P[5]! * xsq
    let xden = xsq
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + P[i]!) * xsq
      xden = (xden + Q[i]!) * xsq
    }
    const temp = (xsq * (xnum + P[4]!)) / (xden + Q[4]!)
    lower = gaussianTail(y, (ONE_OVER_SQRT_2PI - temp) / y)
  } else {
    lower = 0
  }
  // `lower` is P[Z ≤ −|x|]; Φ(x) is it or its complement.
  return x > 0 ? 1 - lower : lower
}

const horner = (coefficients: ReadonlyArray<number>, x: number): number => {
  let value = coefficients[coefficients.length - 1]!
  for (let i = coefficients.length - 2; i >= 0; i--) value = value * x + coefficients[i]!
  return value
}

// AS 241 coefficients, constant term first.
const Q_NUM = [3.3871328727963666080, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727]
const Q_DEN = [1, 42.313330701600911252, 687.18700749205790830, 5394.1960214247511077, 21213.794301586595867, 39307.895800092710610, 28729.085735721942674, 5226.4952788528545610]
const M_NUM = [1.42343711074968357734, 4.63033784615654529590, 5.76949722146069140550, 3.64784832476320460504, 1.27045825245236838258, 0.241780725177450611770, 0.0227238449892691845833, 0.000774545014278341407640]
const M_DEN = [1, 2.05319162663775882187, 1.67638483018380384940, 0.689767334985100004550, 0.148103976427480074590, 0.0151986665636164571966, 0.000547593808499534494600, 1.05075007164441684324e-9]
const T_NUM = [6.65790464350110377720, 5.46378491116411436990, 1.78482653991729133580, 0.296560571828504891230, 0.0265321895265761230930, 0.00124266094738807843860, 2.71155556874348757815e-5, 2.01033439929228813265e-7]
const T_DEN = [1, 0.599832206555887937690, 0.136929880922735805310, 0.0148753612908506148525, 0.000786869131145613259100, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15]

/** Φ⁻¹(p): the x with Φ(x) = p. −∞ at 0, +∞ at 1, NaN outside [0, 1]. */
export const normalQuantile = (p: number): number => {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return (q * horner(Q_NUM, r)) / horner(Q_DEN, r)
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p))
  let value: number
  if (r <= 5) {
    r -= 1.6
    value = horner(M_NUM, r) / horner(M_DEN, r)
  } else {
    r -= 5
    value = horner(T_NUM, r) / horner(T_DEN, r)
  }
  return q < 0 ? -value : value
}
