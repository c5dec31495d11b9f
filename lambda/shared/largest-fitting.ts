/**
 * The largest n in 0…max for which `fits(n)` holds, when fitting only gets harder as n grows (more
 * rows, more bytes): a binary search, so a ranking of thousands is sized in a dozen renders. 0 when
 * nothing fits.
 */
export function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (fits(max)) return max;
  let low = 0;
  let high = max - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
