/**
 * docker/go-units and Go formatting helpers: sizes (`64m` → 67108864, 1982262 → `1.98MB`),
 * human durations (`Up 5 seconds`), and RFC 3339 timestamps computed from virtual time.
 */
import type { Nanos } from '../core/time.js';

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

function parseSize(s: string, map: Record<string, number>): number {
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(s[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${s}'`);
  const num = s[sep] !== ' ' ? s.slice(0, sep + 1) : s.slice(0, sep);
  let sfx = s.slice(sep + 1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  let size = Number(num);
  if (size < 0) throw new Error(`invalid size: '${s}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const bad = (): never => {
    throw new Error(`invalid suffix: '${sfx}'`);
  };
  if (sfx.length > 3) bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) bad();
    return Math.trunc(size);
  }
  const mul = map[sfx[0]!];
  if (mul === undefined) bad();
  size *= mul!;
  if (sfx.length === 3 && !(sfx[1] === 'i' && sfx[2] === 'b')) bad();
  if (sfx.length === 2 && !(sfx[1] === 'i' || sfx[1] === 'b')) bad();
  return Math.trunc(size);
}

/** go-units `RAMInBytes`: `64m` → 67108864 (binary multiples). Throws `invalid suffix: 'q'`. */
export function ramInBytes(s: string): number {
  return parseSize(s, BINARY);
}

/** go-units `FromHumanSize`: decimal multiples (`1k` → 1000). */
export function fromHumanSize(s: string): number {
  return parseSize(s, DECIMAL);
}

/** Go's `%.<p>g`. */
export function formatG(v: number, p: number): string {
  if (v === 0) return '0';
  let s = v.toPrecision(p);
  if (s.includes('e')) {
    let [m, e] = s.split('e') as [string, string];
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const sign = e[0] === '-' ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

const DEC_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units `HumanSizeWithPrecision` (decimal units): 1982262, 3 → `1.98MB`. */
export function humanSize(size: number, precision = 4): string {
  let i = 0;
  while (size >= 1000 && i < DEC_ABBRS.length - 1) {
    size /= 1000;
    i++;
  }
  return formatG(size, precision) + DEC_ABBRS[i];
}

/** go-units `HumanDuration`: `Less than a second`, `5 seconds`, `About a minute`, ... */
export function humanDuration(ns: Nanos): string {
  const seconds = Math.trunc(ns / 1e9);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ns / 60e9);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ns / 3600e9 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ns / 3600e9 / 24 / 365)} years`;
}

/** Wall-clock origin of virtual time 0 (2026-01-01T00:00:00Z), so timestamps look like Docker's. */
export const EPOCH_MS = 1767225600000;

/** Go's `time.RFC3339Nano` of a virtual instant (UTC, trailing zeros of the fraction trimmed). */
export function rfc3339Nano(t: Nanos): string {
  const ms = Math.floor(t / 1e6);
  const base = new Date(EPOCH_MS + ms).toISOString().slice(0, 19);
  const frac = Math.round(t - ms * 1e6) + (ms % 1000) * 1e6;
  if (frac === 0) return `${base}Z`;
  return `${base}.${String(frac).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** Go's `time.Time.String()`-like text used by `docker images` CreatedAt: `2026-01-01 00:00:05 +0000 UTC`. */
export function goTimeString(t: Nanos): string {
  const d = new Date(EPOCH_MS + Math.floor(t / 1e6)).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 19)} +0000 UTC`;
}

/** Unix seconds of a virtual instant. */
export function unixSeconds(t: Nanos): number {
  return Math.floor(EPOCH_MS / 1000 + t / 1e9);
}
