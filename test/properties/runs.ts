/**
 * Number of runs of a property: the CI default times `DOCKERNET_PROP_SCALE` (e.g. 10 for a long
 * local hunt: `DOCKERNET_PROP_SCALE=10 npx vitest run test/properties`).
 */
export function runs(n: number): number {
  const scale = Number(process.env.DOCKERNET_PROP_SCALE ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
