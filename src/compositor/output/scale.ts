// Output scales: multiples of 1/120 from 0.25 to 8, the values
// wp_fractional_scale_v1 can name (its preferred_scale is a numerator over
// 120), and how each input form becomes one.
//
// Invariants:
//  - an output scale is held as its numerator over 120 (an integer), so
//    that logical sizes and pixel edges are computed in exact integer
//    arithmetic (1320 px / 1.1 is 1200 logical, not 1199.999…);
//  - the command line takes decimals and fractions (1.5, 1.25, 4/3) that
//    are exactly a multiple of 1/120, nothing else;
//  - output management sends a wl_fixed (24.8): a scale there is the
//    multiple of 1/120 whose wl_fixed rounding it is (within half a wl_fixed
//    step, 1/512), so `wlr-randr --scale 1.1` (1.1015625 on the wire) is 1.1,
//    and a value no multiple of 1/120 rounds to is refused.

/** The denominator of every scale (wp_fractional_scale_v1's). */
export const SCALE_DENOMINATOR = 120;
/** The smallest and largest scales, as numerators over 120: 0.25 and 8. */
export const MIN_SCALE_120 = 30;
export const MAX_SCALE_120 = 960;

/** `scale` as a numerator over 120, or null if it is not a multiple of 1/120 in 0.25..8. */
export function scale120Of(scale: number): number | null {
  const k = Math.round(scale * SCALE_DENOMINATOR);
  if (!Number.isFinite(scale) || Math.abs(k - scale * SCALE_DENOMINATOR) > 1e-6) return null;
  return k >= MIN_SCALE_120 && k <= MAX_SCALE_120 ? k : null;
}

/** The scale a decimal ("1.5") or a fraction ("4/3") names, or null if it is not a multiple of 1/120 in 0.25..8. */
export function parseScale(text: string): number | null {
  let value: number;
  const fraction = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  if (fraction) value = Number(fraction[1]) / Number(fraction[2]);
  else if (/^\d{1,6}(\.\d{1,12})?$/.test(text)) value = Number(text);
  else return null;
  const k = scale120Of(value);
  return k === null ? null : k / SCALE_DENOMINATOR;
}

/** The scale a wl_fixed value stands for (see above), or null. */
export function scaleFromFixed(fixed: number): number | null {
  const k = Math.round(fixed * SCALE_DENOMINATOR);
  if (Math.abs(k / SCALE_DENOMINATOR - fixed) > 1 / 512) return null;
  return k >= MIN_SCALE_120 && k <= MAX_SCALE_120 ? k / SCALE_DENOMINATOR : null;
}
