/**
 * `xtables-monitor --trace` for the oracle probe's `trace NAME 'CHAIN match…' … -- CMD` steps:
 * records the host netfilter's trace events while CMD runs and renders them as the tool prints
 * them (a `PACKET:` line per base chain entered, then one ` TRACE:` line per matched rule or
 * policy), then normalises the ids as normalize.py's `_trace` does.
 *
 * Only packets the kernel would trace are printed: nftrace is set by the `TRACE` rule in the raw
 * table and cleared when a packet changes namespace, so a packet the emulator traces only because
 * its cause was traced (an echo reply, a SYN-ACK) is left out unless the TRACE rule matches it.
 * A bridged packet that is routed keeps being traced under a new id (NOTES.md item 40).
 *
 * @module
 */
import type { TraceEvent, Tracer } from '../../core/trace.js';
import { NF_INET_FORWARD, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING } from '../../netfilter/hook.js';
import { ipToString } from '../../wire/addr.js';

/** Records the trace events of one namespace (by its name). */
export class XtablesMonitor implements Tracer {
  readonly events: TraceEvent[] = [];
  constructor(private readonly ns: string) {}
  /** @internal Tracer. */
  event(e: TraceEvent): void {
    if (e.ns === this.ns) this.events.push(e);
  }
}

interface HookData {
  table: string;
  chain: string;
  hook: number;
  inDev: string;
  outDev: string;
  bridged: boolean;
  frame: Uint8Array;
  network: number;
  traceId: number;
}

const TCP_FLAGS: Array<[number, string]> = [
  [0x02, 'SYN'],
  [0x10, 'ACK'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x20, 'URG'],
];

function hex8(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0');
}

/** A MAC as xtables-monitor prints it (`2:42:ac:11:0:2`). */
function macText(b: Uint8Array, off: number): string {
  const p: string[] = [];
  for (let i = 0; i < 6; i++) p.push(b[off + i]!.toString(16));
  return p.join(':');
}

/** One byte as `printf("%02x", (char)b)` prints it (bytes ≥ 0x80 sign-extended). */
function signedHex(b: number): string {
  return b >= 0x80 ? `ffffff${b.toString(16)}` : b.toString(16).padStart(2, '0');
}

/** The `PACKET:` line for a hook event. */
function packetLine(d: HookData): string {
  const f = d.frame;
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const showIn = d.inDev !== '' && d.hook !== NF_INET_LOCAL_OUT && !(d.bridged && d.hook === NF_INET_POST_ROUTING);
  let s = `PACKET: 2 ${hex8(d.traceId)} `;
  if (showIn) s += `IN=${d.inDev} `;
  if (d.outDev !== '' && d.hook !== 0 && d.hook !== 1) s += `OUT=${d.outDev} `;
  if (showIn && d.network >= 14) {
    s += `MACSRC=${macText(f, 6)} MACDST=${macText(f, 0)} MACPROTO=${v.getUint16(12).toString(16).padStart(4, '0')} `;
  } else if (d.bridged && d.hook === NF_INET_POST_ROUTING && d.network >= 14) {
    let ll = '';
    for (let i = 0; i < 14; i++) ll += signedHex(f[i]!);
    s += `LL=0x0 ${ll} `;
  }
  const n = d.network;
  const ihl = (f[n]! & 0x0f) * 4;
  const proto = f[n + 9]!;
  const frag = v.getUint16(n + 6);
  s += `SRC=${ipToString(v.getUint32(n + 12))} DST=${ipToString(v.getUint32(n + 16))} LEN=${v.getUint16(n + 2)} `;
  s += `TOS=0x${f[n + 1]!.toString(16)} TTL=${f[n + 8]} ID=${v.getUint16(n + 4)} `;
  if (frag & 0x4000) s += 'DF ';
  const t = n + ihl;
  if ((proto === 6 || proto === 17) && (frag & 0x1fff) === 0) {
    s += `SPORT=${v.getUint16(t)} DPORT=${v.getUint16(t + 2)} `;
    if (proto === 6) {
      const fl = f[t + 13]!;
      for (const [bit, name] of TCP_FLAGS) if (fl & bit) s += `${name} `;
    }
  }
  return s;
}

/**
 * Renders the recorded events as `xtables-monitor --trace` output (before normalisation).
 */
export function renderXtablesTrace(events: readonly TraceEvent[]): string {
  const live = new Set<number>();
  // ids whose first raw walk has not been decided yet: the buffered lines wait for the TRACE rule
  const pending = new Map<number, string[]>();
  const seen = new Set<number>();
  const out: string[] = [];
  let lastId = -1;
  const fwdIn = new Map<number, string>();
  const put = (id: number, line: string): void => {
    if (live.has(id)) out.push(line);
    else pending.get(id)?.push(line);
  };
  for (const e of events) {
    const d = (e.data ?? {}) as Record<string, unknown>;
    const id = d.traceId as number;
    if (e.layer === 'route' && e.kind === 'forward') {
      if (id !== lastId && live.has(lastId) && !seen.has(id)) {
        live.add(id);
        seen.add(id);
      }
      lastId = id;
      continue;
    }
    if (e.layer !== 'netfilter') continue;
    if (!seen.has(id)) {
      seen.add(id);
      pending.set(id, []);
    }
    lastId = id;
    if (e.kind === 'hook') {
      const h = { ...(d as unknown as HookData) };
      // ip_output passes the input device of a forwarded packet to POSTROUTING (br_netfilter does not)
      if (h.hook === NF_INET_FORWARD && !h.bridged) fwdIn.set(id, h.inDev);
      else if (h.hook === NF_INET_POST_ROUTING && !h.bridged && h.inDev === '' && fwdIn.has(id)) h.inDev = fwdIn.get(id)!;
      // an undecided id that leaves the raw table without a TRACE match is not traced by the kernel
      if (pending.has(id) && d.table !== 'raw') pending.delete(id);
      put(id, packetLine(h));
    } else if (e.kind === 'rule') {
      const rule = d.rule as string;
      put(id, ` TRACE: 2 ${hex8(id)} ${d.table}:${d.chain}:rule:0x${(d.pos as number).toString(16)}:${d.verdict}  -4 -t ${d.table} ${rule}`);
      if (pending.has(id) && d.table === 'raw' && / -j TRACE$/.test(rule)) {
        live.add(id);
        out.push(...pending.get(id)!);
        pending.delete(id);
      }
    } else if (e.kind === 'policy') {
      put(id, ` TRACE: 2 ${hex8(id)} ${d.table}:${d.chain}:policy:${d.verdict} `);
    }
  }
  return out.map((l) => l + '\n').join('');
}

/** normalize.py `_trace`: trace ids as `t1`, `t2`… in order, rule handles, IP ids, client ports. */
export function normalizeXtablesTrace(txt: string): string {
  const ids = new Map<string, string>();
  txt = txt.replace(/((?:PACKET|TRACE): \d+) ([0-9a-f]{8}) /g, (_m, a: string, id: string) => {
    if (!ids.has(id)) ids.set(id, `t${ids.size + 1}`);
    return `${a} ${ids.get(id)} `;
  });
  txt = txt.replace(/:rule:0x[0-9a-f]+:/g, ':rule:<h>:');
  txt = txt.replace(/\bID=\d+/g, 'ID=<ipid>');
  txt = txt.replace(/\bSEQ=(0x)?[0-9a-f]+/g, 'SEQ=<seq>');
  txt = txt.replace(/\bACK=(0x)?[0-9a-f]+/g, 'ACK=<ack>');
  txt = txt.replace(/\bWINDOW=\d+/g, 'WINDOW=<win>');
  txt = txt.replace(/\b(SPT|DPT|SPORT|DPORT)=(\d+)/g, (_m, k: string, v: string) => `${k}=${Number(v) >= 32768 && Number(v) <= 60999 ? '<cport>' : v}`);
  return txt;
}
