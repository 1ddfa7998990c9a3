// Small statistics and formatting helpers.

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** `size` as "2 GiB" / "512 MiB". */
export function sizeLabel(bytes) {
  if (bytes >= GiB) return bytes % GiB === 0 ? `${bytes / GiB} GiB` : `${(bytes / GiB).toFixed(1)} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}

/** A number with `digits` decimals, or an em dash when absent. */
export function fmt(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function ratio(value, digits = 2) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : '—';
}

/** Rotates `items` left by `n`: round r starts with a different tool, so none always goes first. */
export function rotate(items, n) {
  const k = ((n % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
