/** The brief's orthogonal-inputs toy of paper d (§8.2): D = P = 10, X = √D·I (so K = I), y = 1, linear network. */
export function orthogonalToy() {
  const D = 10;
  const P = 10;
  const X = new Float64Array(P * D);
  for (let i = 0; i < P; i++) X[i * D + i] = Math.sqrt(D);
  return { X, P, D, y: new Float64Array(P).fill(1), act: "linear" as const };
}
