/**
 * The rt oracle's normaliser (shared/oracle/tools/rt_normalize.py) in TypeScript: the same id
 * labels (`<cid:NAME>`, `<img:TAG>`, `<hex:N>`...), timestamps, durations, paths and table
 * spacing, so the model's output can be compared with observed/transcript.txt line for line.
 */
import type { EngineEvent } from '../events.js';

const HEX64 = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;
const HEX12 = /(?<![0-9a-zA-Z])[0-9a-f]{12}(?![0-9a-zA-Z])/g;
const TIME_RFC = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
const TIME_GO = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{4} [A-Z]{2,5}/g;
const REL = '(?:Less than a second|About an? (?:second|minute|hour)|\\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))';
const AGO = new RegExp(REL + ' ago', 'g');
const UP = new RegExp('\\bUp ' + REL, 'g');
const PID = /"Pid": [1-9]\d*/g;
const MAC = /02:42:ac:11:[0-9a-f]{2}:[0-9a-f]{2}/g;
const IP = /(?<![\d.])172\.17\.(?!0\.1(?![\d]))\d{1,3}\.\d{1,3}(?![\d])/g;
const TABLE_HDR = /^[A-Z][A-Z0-9 /]*?(?: {2,}[A-Z][A-Z0-9 /]*)+ *$/;

/** Engine state captured after each step (what rt_replay.py's snapshot() records). */
export interface Snapshot {
  containers: Array<[string, string]>;
  images: Array<[string, string]>;
  volumes: string[];
  networks: Array<[string, string]>;
}

/** Lab facts (context.json). */
export interface LabContext {
  labDir: string;
  miniId: string;
  miniLayers: string[];
  networks: Array<[string, string]>;
  daemonCgroups: Array<[string, string]>;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds the id map from the replay's events and snapshots, then normalises text. */
export class Normalizer {
  private readonly map = new Map<string, [string, string]>();
  private readonly counters = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private prefix = new Map<string, string>();

  constructor(private readonly lab: LabContext, snapshots: Snapshot[], events: EngineEvent[], private readonly users: Set<string>) {
    this.add(lab.miniId, 'img', 'mini:latest');
    for (const d of lab.miniLayers) this.add(d, 'layer', 'mini');
    for (const [id, n] of lab.networks) this.add(id, 'net', n);
    for (const e of events) if (e.Type === 'container' && e.Action === 'create') this.add(e.Actor.ID, 'cid', this.cname(e.Actor.Attributes['name'] ?? '?'));
    for (const s of snapshots) for (const [id, n] of s.containers) if (!this.map.has(id)) this.add(id, 'cid', this.cname(n));
    for (const s of snapshots) {
      for (const [iid, tag] of s.images) {
        const h = iid.replace('sha256:', '');
        if (!this.map.has(h)) this.add(h, 'img', tag !== '<none>:<none>' ? tag : this.next('img'));
      }
      for (const v of s.volumes) if (/^[0-9a-f]{64}$/.test(v) && !this.map.has(v)) this.add(v, 'vol', this.next('vol'));
      for (const [id, n] of s.networks) this.add(id, 'net', n);
    }
    for (const e of events) {
      if (e.Type === 'image') {
        const h = e.Actor.ID.replace('sha256:', '');
        const name = e.Actor.Attributes['name'] ?? '';
        if (/^[0-9a-f]{64}$/.test(h) && !this.map.has(h)) this.add(h, 'img', name && !name.startsWith('sha256:') ? name : this.next('img'));
      }
      if (/^exec_(create|start|die)/.test(e.Action)) {
        const x = e.Actor.Attributes['execID'];
        if (x) this.add(x, 'exec', this.next('exec'));
      }
    }
    this.prefix = new Map([...this.map.keys()].map((h) => [h.slice(0, 12), h]));
  }

  private next(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return String(n);
  }

  private cname(name: string): string {
    const n = name.replace(/^\//, '');
    if (this.users.has(n)) return n;
    if (!this.names.has(n)) this.names.set(n, 'anon' + this.next('anon'));
    return this.names.get(n)!;
  }

  private add(h: string, kind: string, label: string): void {
    const k = h.replace('sha256:', '');
    if (!this.map.has(k)) this.map.set(k, [kind, label]);
  }

  /** Normalises one stdout/stderr text. */
  text(s: string): string {
    if (!s) return s;
    const labDir = this.lab.labDir.replace(/\/$/, '');
    for (const [ctl, path] of this.lab.daemonCgroups) s = s.split(path + '/').join(`<dockerd-cgroup:${ctl}>/`);
    s = s.split(labDir + '/data').join('<data-root>').split(labDir + '/exec').join('<exec-root>').split(labDir).join('<lab>');
    s = s.replace(HEX64, (h) => {
      if (!this.map.has(h)) {
        this.add(h, 'hex', this.next('hex'));
        this.prefix.set(h.slice(0, 12), h);
      }
      const [kind, label] = this.map.get(h)!;
      return `<${kind}:${label}>`;
    });
    s = s.replace(HEX12, (h) => {
      const full = this.prefix.get(h);
      if (!full) return h;
      const [kind, label] = this.map.get(full)!;
      return `<${kind}12:${label}>`;
    });
    for (const [gen, anon] of this.names) s = s.replace(new RegExp(`(?<![\\w-])${escapeRe(gen)}(?![\\w-])`, 'g'), anon);
    s = s.replace(TIME_RFC, (m) => (m.startsWith('0001-01-01T00:00:00') ? m : '<time>'));
    s = s.replace(TIME_GO, '<time>').replace(AGO, '<ago>').replace(UP, 'Up <dur>').replace(PID, '"Pid": <pid>').replace(MAC, '<mac>').replace(IP, '<ip>');
    s = s.replace(/(volume is in use - \[)([^\]]*)(\])/g, (_m, a: string, b: string, c: string) => a + b.split(', ').sort().join(', ') + c);
    const lines = s.split('\n');
    if (lines.length && TABLE_HDR.test(lines[0]!)) s = lines.map((l) => l.replace(/ {2,}/g, '  ').replace(/\s+$/, '')).join('\n');
    return s;
  }
}

/** Sorts `docker volume ls` bodies and the prune "Deleted Volumes:" block, as the python does. */
export function reorder(cmd: string, out: string): string {
  if (!out) return out;
  const lines = out.split('\n');
  if (cmd.startsWith('docker volume ls')) {
    const head = lines[0]?.startsWith('DRIVER') ? [lines[0]] : [];
    const body = lines.slice(head.length).filter((l) => l);
    return [...head, ...body.sort()].join('\n') + '\n';
  }
  const i = lines.indexOf('Deleted Volumes:');
  if (cmd.startsWith('docker volume prune') && i >= 0) {
    let j = i + 1;
    while (j < lines.length && lines[j]) j++;
    return [...lines.slice(0, i + 1), ...lines.slice(i + 1, j).sort(), ...lines.slice(j)].join('\n');
  }
  return out;
}

/** `docker events` line as events.txt shows it (before normalisation). */
export function eventLine(e: EngineEvent, cname: (n: string) => string): string {
  const at = e.Actor.Attributes;
  if (e.Type === 'container') {
    let extra = '';
    if ('exitCode' in at) extra += ` exitCode=${at['exitCode']}`;
    if ('signal' in at) extra += ` signal=${at['signal']}`;
    return `container ${e.Action} ${at['name'] ? cname(at['name']) : ''}${extra}`;
  }
  if (e.Type === 'network') return `network ${e.Action} ${at['name'] ?? ''} container=${at['container'] ?? ''}`;
  if (e.Type === 'volume') return `volume ${e.Action} ${e.Actor.ID} driver=${at['driver'] ?? ''}${'container' in at ? ` container=${at['container']}` : ''}${'destination' in at ? ` destination=${at['destination']}` : ''}`;
  if (e.Type === 'image') return `image ${e.Action} ${at['name'] ?? e.Actor.ID}`;
  return `${e.Type} ${e.Action} ${e.Actor.ID}`;
}
