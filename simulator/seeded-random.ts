/**
 * A small, fast, seedable PRNG (mulberry32): uniform in [0, 1), the same sequence for the same 32-bit seed. Fault
 * injection, the benchmark's job set and the chaos plan all draw from it, so a printed seed reproduces a run.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
