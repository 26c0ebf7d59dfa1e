/**
 * The shell blocks of a scenario's probe.sh (`{ …; } >file`, `for`, `if`, `case`, `$(…)`,
 * `set --`, functions), parsed by the runtime's sh parser and evaluated here against the model:
 * each command runs in a network namespace (`ip netns exec NS`, `docker exec C`, `hns`) and maps
 * onto the emulator's tools (busybox `ping`/`nc`, `ip neigh`, `conntrack -L`, netprobe.py's
 * servers); `timeout`/`busybox` prefixes are transparent, `sleep` advances virtual time, and files
 * written under `$RAW/` land in the probe's output map.
 */
import { SECOND } from '../../core/time.js';
import { ipNeigh } from '../../netns/iproute.js';
import type { NetNamespace } from '../../netns/netns.js';
import type { TcpListener } from '../../netns/socket/tcp.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import { ncTcp, ping } from '../../netns/tools.js';
import type { Netfilter } from '../../netfilter/netfilter.js';
import { casePatternMatches, parseSh, type Node, type Redir, type Word } from '../../runtime/programs/sh-parse.js';
import { ipToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { namedNamespaces } from './setup.js';

/** Where output of one command goes, and the namespace it runs in. */
interface Io {
  ns: NetNamespace;
  stdin: string;
  out: ((t: string) => void) | null;
  err: ((t: string) => void) | null;
}

/** Servers a probe started in the background (`… & pid=$!`), closed by `kill`/the end. */
export interface ProbeServers {
  tcp: TcpListener[];
  udp: UdpSocket[];
}

const RAW = '/raw';

function nfOf(ns: NetNamespace): Netfilter | null {
  return (ns.netfilter as unknown as Netfilter | null) ?? null;
}

/** Evaluates probe.sh blocks against an {@link Engine}, writing `$RAW/…` files into `raw`. */
export class ProbeShell {
  readonly vars = new Map<string, string>([
    ['NS', 'dlab'],
    ['RAW', RAW],
    ['PY', 'python3'],
    ['NETPROBE', 'netprobe.py'],
    ['TOOLS', '/tools'],
  ]);
  readonly funcs = new Map<string, Node>();
  args: string[] = [];
  status = 0;
  lastBg = 0;
  readonly servers: ProbeServers = { tcp: [], udp: [] };

  constructor(readonly e: Engine, readonly raw: Map<string, string>) {}

  /** Runs a script text in the lab host namespace. */
  runScript(src: string): number {
    return this.run(parseSh(src), { ns: this.e.host, stdin: '', out: null, err: null });
  }

  /** Closes the background servers. */
  killServers(): void {
    for (const l of this.servers.tcp) l.close();
    for (const u of this.servers.udp) u.close();
    this.servers.tcp.length = 0;
    this.servers.udp.length = 0;
  }

  private nsNamed(name: string): NetNamespace | null {
    if (name === this.vars.get('NS')) return this.e.host;
    return namedNamespaces.get(this.e)?.get(name) ?? null;
  }

  private nsOfContainer(name: string): NetNamespace | null {
    const c = this.e.runtime.store.find(name);
    return (c?.namespaces?.net.handle as NetNamespace | null) ?? null;
  }

  private expandText(s: string, io: Io): string {
    let out = '';
    for (let i = 0; i < s.length; ) {
      if (s[i] === '$' && s[i + 1] === '(' && s[i + 2] !== '(') {
        const end = matchParen(s, i + 1);
        out += this.substitute(s.slice(i + 2, end), io);
        i = end + 1;
        continue;
      }
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*|[?!#@0-9]))/.exec(s.slice(i));
      if (m) {
        const name = m[1] ?? m[2]!;
        if (name === '?') out += String(this.status);
        else if (name === '!') out += String(this.lastBg);
        else if (name === '#') out += String(this.args.length);
        else if (name === '@') out += this.args.join(' ');
        else if (/^\d$/.test(name)) out += this.args[Number(name) - 1] ?? '';
        else out += this.vars.get(name) ?? '';
        i += m[0].length;
        continue;
      }
      out += s[i++];
    }
    return out;
  }

  /** `$(cmd)`: its stdout without trailing newlines; `$?` becomes its status. */
  private substitute(src: string, io: Io): string {
    let text = '';
    this.run(parseSh(src), { ns: io.ns, stdin: '', out: (t) => (text += t), err: io.err });
    return text.replace(/\n+$/, '');
  }

  private expandWord(w: Word, io: Io): string[] {
    if (w.length === 1 && w[0]!.q === 'double' && w[0]!.text === '$@') return [...this.args];
    let out = '';
    let split = false;
    for (const p of w) {
      if (p.q === 'single') out += p.text;
      else {
        const x = this.expandText(p.text, io);
        if (p.q === 'none' && x !== p.text) split = true;
        out += x;
      }
    }
    return split ? out.split(/[ \t\n]+/).filter((x) => x !== '') : [out];
  }

  private run(n: Node, io: Io): number {
    switch (n.t) {
      case 'list':
        for (const it of n.items) {
          if (it.bg) this.lastBg++;
          this.status = this.run(it.node, io);
        }
        return this.status;
      case 'and':
        this.status = this.run(n.a, io);
        return this.status === 0 ? (this.status = this.run(n.b, io)) : this.status;
      case 'or':
        this.status = this.run(n.a, io);
        return this.status !== 0 ? (this.status = this.run(n.b, io)) : this.status;
      case 'pipe': {
        let stdin = io.stdin;
        for (const [i, c] of n.cmds.entries()) {
          if (i === n.cmds.length - 1) this.status = this.run(c, { ...io, stdin });
          else {
            let next = '';
            this.status = this.run(c, { ...io, stdin, out: (t) => (next += t) });
            stdin = next;
          }
        }
        return this.status;
      }
      case 'while':
        for (let guard = 0; guard < 10_000; guard++) {
          const c = this.run(n.cond, io);
          if ((c === 0) === n.until) break;
          this.run(n.body, io);
        }
        return (this.status = 0);
      case 'if':
        if (this.run(n.cond, io) === 0) return (this.status = this.run(n.then, io));
        return (this.status = n.else ? this.run(n.else, io) : 0);
      case 'for':
        for (const v of n.items.flatMap((w) => this.expandWord(w, io))) {
          this.vars.set(n.name, v);
          this.run(n.body, io);
        }
        return this.status;
      case 'case': {
        const v = this.expandWord(n.word, io).join(' ');
        const arm = n.arms.find((a) => a.pats.some((p) => casePatternMatches(this.expandWord(p, io).join(' '), v)));
        this.status = 0;
        return arm ? (this.status = this.run(arm.body, io)) : 0;
      }
      case 'func':
        this.funcs.set(n.name, n.body);
        return (this.status = 0);
      case 'group':
        return this.withRedirs(n.redirs, io, (io2) => this.run(n.body, io2));
      case 'simple': {
        const words = n.words.flatMap((w) => this.expandWord(w, io));
        if (!words.length) {
          for (const [k, w] of n.assigns) this.vars.set(k, this.expandWord(w, io).join(' '));
          return this.status;
        }
        return this.withRedirs(n.redirs, io, (io2) => (this.status = this.command(words, io2)));
      }
    }
  }

  private withRedirs(redirs: Redir[], io: Io, body: (io: Io) => number): number {
    const files: Array<{ name: string; append: boolean; buf: string }> = [];
    const t: Record<number, ((s: string) => void) | null> = { 1: io.out, 2: io.err };
    for (const r of redirs) {
      const target = this.expandWord(r.target, io).join(' ');
      if (r.op === '>&') t[r.fd] = t[Number(target)] ?? null;
      else if (r.op === '>' || r.op === '>>') {
        if (!target.startsWith(RAW + '/')) t[r.fd] = null;
        else {
          const f = { name: target.slice(RAW.length + 1), append: r.op === '>>', buf: '' };
          files.push(f);
          t[r.fd] = (s) => (f.buf += s);
        }
      }
    }
    const code = body({ ...io, out: t[1] ?? null, err: t[2] ?? null });
    for (const f of files) this.raw.set(f.name, (f.append ? this.raw.get(f.name) ?? '' : '') + f.buf);
    return code;
  }

  /** One command: functions, builtins, then the model programs. */
  private command(w: string[], io: Io): number {
    const [cmd, ...a] = w;
    const out = (s: string): void => io.out?.(s);
    const err = (s: string): void => io.err?.(s);
    const fn = this.funcs.get(cmd!);
    if (fn) {
      const saved = this.args;
      this.args = a;
      try {
        return this.run(fn, io);
      } finally {
        this.args = saved;
      }
    }
    switch (cmd) {
      case 'echo': {
        let esc = false;
        let nl = true;
        while (a[0] === '-e' || a[0] === '-n') (a.shift() === '-e' ? (esc = true) : (nl = false));
        const s = a.join(' ');
        out((esc ? unescape(s) : s) + (nl ? '\n' : ''));
        return 0;
      }
      case 'printf':
        out(unescape(a[0] ?? '').replace(/%s/g, () => a[1] ?? ''));
        return 0;
      case 'true':
      case '.':
      case 'wait':
        return 0;
      case 'false':
        return 1;
      case 'set':
        if (a[0] === '--') this.args = a.slice(1);
        return 0;
      case 'kill':
        this.killServers();
        return 0;
      case 'sleep':
        this.e.sim.runUntil(this.e.sim.now + Math.round(Number(a[0]) * SECOND));
        return 0;
      case 'busybox':
        return this.command(a, io);
      case 'timeout':
        return this.command(a.slice(1), io);
      case 'sh':
        if (a[0] === '-c') return new ProbeShell(this.e, this.raw).run(parseSh(a[1] ?? ''), io);
        return 127;
      case 'grep': {
        const q = a[0] === '-q';
        const pat = q ? a[1]! : a[0]!;
        const lines = io.stdin.split('\n').filter((l) => l.includes(pat));
        if (!q) out(lines.map((l) => l + '\n').join(''));
        return lines.length ? 0 : 1;
      }
      case 'tail': {
        const n = Number((a[0] ?? '-10').replace(/^-n?/, '')) || 10;
        const lines = io.stdin.replace(/\n$/, '').split('\n');
        out(lines.slice(-n).map((l) => l + '\n').join(''));
        return 0;
      }
      case 'sort':
        out(io.stdin.split('\n').filter((l) => l !== '').sort().map((l) => l + '\n').join(''));
        return 0;
      case 'awk': {
        const fields = /^\{print (.*)\}$/.exec(a[0] ?? '')?.[1]?.split(/,\s*/).map((f) => Number(f.replace('$', '')));
        if (!fields) return 2;
        for (const l of io.stdin.split('\n').filter((x) => x !== '')) {
          const f = l.trim().split(/\s+/);
          out(fields.map((i) => f[i - 1] ?? '').join(' ') + '\n');
        }
        return 0;
      }
      case 'ip':
        return this.ip(a, io);
      case 'hns': {
        const ns = this.nsNamed(this.vars.get('NS')!);
        return ns ? this.command(a, { ...io, ns }) : 1;
      }
      case 'in_cnetns': {
        const ns = this.nsOfContainer(a[0]!);
        return ns ? this.command(a.slice(1), { ...io, ns }) : 1;
      }
      case 'ct_flush':
        nfOf(this.e.host)?.conntrack.flush();
        return 0;
      case 'ct_dump':
        this.raw.set(`conntrack-${a[0]}.txt`, nfOf(this.e.host)?.conntrack.list() ?? '');
        return 0;
      case 'conntrack':
        if (a[0] === '-F') nfOf(io.ns)?.conntrack.flush();
        else if (a[0] === '-L') out(nfOf(io.ns)?.conntrack.list() ?? '');
        return 0;
      case 'ping':
        return this.ping(a, io);
      case 'nc':
        return this.nc(a, io);
      case 'docker': {
        if (a[0] === 'exec' && a[2] === 'sh' && a[3] === '-c') {
          const ns = this.nsOfContainer(a[1]!);
          if (!ns) return 1;
          return new ProbeShell(this.e, this.raw).run(parseSh(a[4] ?? ''), { ...io, ns, stdin: '' });
        }
        const r = this.e.exec(w);
        out(r.stdout);
        err(r.stderr);
        return r.exitCode;
      }
    }
    if (cmd === this.vars.get('PY') && a[0] === this.vars.get('NETPROBE')) return this.netprobe(a.slice(1), io);
    err(`sh: ${cmd}: not found\n`);
    return 127;
  }

  private ip(a: string[], io: Io): number {
    if (a[0] === 'netns' && a[1] === 'exec') {
      const ns = this.nsNamed(a[2]!);
      if (!ns) return 1;
      return this.command(a.slice(3), { ...io, ns });
    }
    if (a[0] === '-n') {
      const ns = this.nsNamed(a[1]!);
      if (!ns) return 1;
      return this.ip(a.slice(2), { ...io, ns });
    }
    if (a[0] === 'neigh' && (a[1] === undefined || a[1] === 'show')) {
      io.out?.(ipNeigh(io.ns));
      return 0;
    }
    io.err?.(`ip: unsupported in the probe model: ${a.join(' ')}\n`);
    return 1;
  }

  /** busybox `ping -c N -W S IP`. */
  private ping(a: string[], io: Io): number {
    let count = 1;
    let wait = 1;
    let dst = '';
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '-c') count = Number(a[++i]);
      else if (a[i] === '-W') wait = Number(a[++i]);
      else dst = a[i]!;
    }
    const r = ping(io.ns, dst, { count, timeoutNs: wait * SECOND });
    io.out?.(r.text);
    return r.exitCode;
  }

  /** busybox `nc -w S IP PORT` with stdin as the request. */
  private nc(a: string[], io: Io): number {
    let wait = 1;
    const pos: string[] = [];
    for (let i = 0; i < a.length; i++) {
      if (a[i] === '-w') wait = Number(a[++i]);
      else pos.push(a[i]!);
    }
    const [ip, port] = pos;
    const r = ncTcp(io.ns, ip!, Number(port), io.stdin, wait * SECOND);
    io.out?.(r.response);
    // once connected, busybox nc ends quietly with 0 on EOF or a reset; only the connect reports errors
    if (!r.error || r.connected) return 0;
    io.err?.(r.error === 'timed out' ? 'nc: timed out\n' : `nc: can't connect to remote host (${ip}): ${r.error}\n`);
    return 1;
  }

  /** netprobe.py servers: `tcp-whoami PORT` answers `hello you-are SRC`. */
  private netprobe(a: string[], io: Io): number {
    if (a[0] === 'tcp-whoami') {
      this.servers.tcp.push(
        io.ns.tcp.listen(
          0,
          Number(a[1]),
          (s) => {
            s.send(`hello you-are ${ipToString(s.raddr)}\n`);
            s.close();
          },
          // the client's bytes reach a socket already closed for reading: Linux answers with a RST
          { onData: (s) => s.abort() },
        ),
      );
      return 0;
    }
    io.err?.(`netprobe.py: ${a[0]}: unsupported in the probe model\n`);
    return 2;
  }
}

/** Index of the `)` matching the `(` at `i`. */
function matchParen(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === "'") j = s.indexOf("'", j + 1);
    else if (c === '"') j = s.indexOf('"', j + 1);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j;
    if (j < 0) break;
  }
  return s.length;
}

/** `echo -e`/`printf` escapes. */
function unescape(s: string): string {
  return s.replace(/\\([ntr\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\'));
}
