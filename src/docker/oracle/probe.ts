/**
 * The measurements of a scenario's probe.sh, for the line forms the net-* probes use (net_lib.sh
 * helpers and plain commands): conntrack flush/dump of the host or a container namespace, an HTTP
 * flow through `nc`, a UDP probe (`netprobe.py udp`), a UDP echo server, `docker exec`, the
 * docker-proxy command lines and `ss -Hlntup`. Compound commands (blocks, loops) and
 * function definitions go to {@link ProbeShell}; other lines it does not understand are skipped,
 * so their files stay missing.
 */
import { SECOND } from '../../core/time.js';
import { latin1 } from '../../core/text.js';
import type { NetNamespace } from '../../netns/netns.js';
import { ncTcp, udpRequest } from '../../netns/tools.js';
import type { UdpSocket } from '../../netns/socket/udp.js';
import type { Netfilter } from '../../netfilter/netfilter.js';
import { splitCommandLine } from '../../runtime/cli/split.js';
import { parseSh } from '../../runtime/programs/sh-parse.js';
import { ipToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { connectedUdp, proxiesOf } from '../ports/proxy.js';
import { httpdListeners } from '../programs/httpd.js';
import { ProbeShell } from './probe-sh.js';
import { namedNamespaces } from './setup.js';
import { renderXtablesTrace, XtablesMonitor } from './xt-trace.js';

const HTTP_REQ = 'GET / HTTP/1.0\r\n\r\n';

function nfOf(ns: NetNamespace): Netfilter | null {
  return (ns.netfilter as unknown as Netfilter | null) ?? null;
}

/** Runs the understood lines of `probe.sh`, writing files into `raw` (path → text). */
export function runProbeScript(e: Engine, text: string, raw: Map<string, string>): void {
  const nsOfContainer = (name: string): NetNamespace | null => {
    const c = e.runtime.store.find(name);
    return (c?.namespaces?.net.handle as NetNamespace | null) ?? null;
  };
  let echo: UdpSocket | null = null;
  const vars = new Map<string, string>([['NS', 'dlab']]);
  const shell = new ProbeShell(e, raw);
  for (const chunk of topLevelChunks(text.replace(/\\\n\s*/g, ' '))) {
    if (chunk.includes('\n') || /^(\{|for |if |while |[A-Za-z_]\w*\(\) \{)/.test(chunk) || /\btcp-whoami\b/.test(chunk)) {
      try {
        shell.runScript(chunk);
      } catch {
        /* a form the model does not run: its files stay missing */
      }
      continue;
    }
    const line = chunk;
    let am: RegExpMatchArray | null;
    if ((am = /^([A-Z][A-Z0-9_]*)=\$\((docker inspect .*)\)$/.exec(line))) {
      vars.set(am[1]!, e.exec(splitCommandLine(am[2]!)).stdout.trim());
      continue;
    }
    if ((am = /^([A-Z][A-Z0-9_]*)="(.*)"$/.exec(line))) {
      vars.set(am[1]!, am[2]!);
      continue;
    }
    if ((am = /^trace (\S+) .*? -- (.*)$/.exec(line))) {
      const getFn = /get\(\) \{ echo "(.*)"; \}/.exec(text)?.[1];
      let cmd = am[2]!;
      if (getFn) cmd = cmd.replace(/\$\(get (\S+) (\S+)\)/g, (_m, a: string, b: string) => getFn.replace('$1', a).replace('$2', b));
      const words = splitCommandLine(cmd.replace(/\$\{?([A-Z][A-Z0-9_]*)\}?/g, (_m, v: string) => vars.get(v) ?? ''));
      const specs = [...am[0].slice(6 + am[1]!.length, am[0].lastIndexOf(' -- ')).matchAll(/'([^']*)'/g)].map((x) => x[1]!);
      const [cmdText, traceText] = traced(e, specs, () => traceCommand(e, words));
      raw.set(`trace-${am[1]}.cmd.txt`, cmdText);
      raw.set(`trace-${am[1]}.txt`, traceText);
      continue;
    }
    let unhandled = 0;
    for (const stmt of line.split(/;\s*/)) {
      const s = stmt.trim();
      let m: RegExpMatchArray | null;
      if (s === 'ct_flush') nfOf(e.host)?.conntrack.flush();
      else if ((m = /^ct_dump (\S+)$/.exec(s))) raw.set(`conntrack-${m[1]}.txt`, nfOf(e.host)?.conntrack.list() ?? '');
      else if ((m = /^in_cnetns (\S+) conntrack -F/.exec(s))) {
        const ns = nsOfContainer(m[1]!);
        if (ns) nfOf(ns)?.conntrack.flush();
      } else if ((m = /^in_cnetns (\S+) conntrack -L >"\$RAW\/([^"]+)"/.exec(s))) {
        const ns = nsOfContainer(m[1]!);
        raw.set(m[2]!, ns ? nfOf(ns)?.conntrack.list() ?? '' : '');
      } else if ((m = /^hns busybox sh -c "\$\(get '?(?:busybox )?nc'? (\S+) (\d+)\)" >"\$RAW\/([^"]+)"/.exec(s))) {
        raw.set(m[3]!, flow(e.host, m[1]!, Number(m[2])));
      } else if ((m = /^ext busybox sh -c "\$\(get (\S+) (\d+)\)" >"\$RAW\/([^"]+)"/.exec(s))) {
        const ns = namedNamespaces.get(e)?.get(extNs(text));
        raw.set(m[3]!, ns ? flow(ns, m[1]!, Number(m[2])) : '');
      } else if ((m = /^hns ip route get (\S+) >"\$RAW\/([^"]+)" 2>&1/.exec(s))) {
        try {
          raw.set(m[2]!, e.host.routeGet(m[1]!));
        } catch (err) {
          raw.set(m[2]!, (err as Error).message + '\n');
        }
      } else if ((m = /^docker exec (\S+) sh -c "\$\(get nc (\S+) (\d+)\)" >"\$RAW\/([^"]+)"/.exec(s))) {
        const ns = nsOfContainer(m[1]!);
        raw.set(m[4]!, ns ? flow(ns, m[2]!, Number(m[3])) : '');
      } else if ((m = /^in_cnetns (\S+) "\$PY" "\$NETPROBE" udp-echo (\d+)/.exec(s))) {
        const ns = nsOfContainer(m[1]!);
        if (ns) echo = udpEcho(ns, Number(m[2]));
      } else if ((m = /^hns "\$PY" "\$NETPROBE" udp (\S+) (\d+) >"\$RAW\/([^"]+)"/.exec(s))) {
        raw.set(m[3]!, udpProbe(e.host, m[1]!, Number(m[2])));
      } else if (/^kill "\$echo_pid"/.test(s)) {
        echo?.close();
        echo = null;
        shell.killServers();
      } else if ((m = /^docker exec (\S+) (nslookup [^>]+?) >"\$RAW\/([^"]+)" 2>&1/.exec(s))) {
        const r = e.exec(['docker', 'exec', m[1]!, ...splitCommandLine(m[2]!)]);
        raw.set(m[3]!, r.stdout + r.stderr);
        const next = /echo "\[exit \$\?\]" >>"\$RAW\/([^"]+)"/.exec(line);
        if (next && next[1] === m[3]) raw.set(m[3]!, raw.get(m[3]!)! + `[exit ${r.exitCode}]\n`);
      } else if (/^hns ss -Hlntup/.test(s)) {
        const f = /"\$RAW\/([^"]+)"/.exec(line);
        if (f) raw.set(f[1]!, listenersWithProcs(e));
      } else if (/^ps -eo args \| grep '\^\/usr\/sbin\/docker-proxy'/.test(s)) {
        const f = /"\$RAW\/([^"]+)"/.exec(s);
        if (f) raw.set(f[1]!, proxyCmdlines(e));
      } else unhandled++;
    }
    // a plain command line writing a $RAW file that none of the forms above knows: the shell model runs it
    if (unhandled === line.split(/;\s*/).length && /^[a-z]/.test(line) && />"\$RAW\//.test(line)) {
      try {
        shell.runScript(line);
      } catch {
        /* not modelled: the file stays missing */
      }
    }
  }
  echo?.close();
  shell.killServers();
}

/** The script's top-level commands: single lines, or the lines of one compound command. */
function topLevelChunks(text: string): string[] {
  const out: string[] = [];
  let acc = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!acc && (!line || line.startsWith('#'))) continue;
    if (!acc && !/^(\{|for |if |while |until |case |[A-Za-z_]\w*\(\))/.test(line)) {
      out.push(line);
      continue;
    }
    acc = acc ? acc + '\n' + line : line;
    try {
      parseSh(acc);
    } catch {
      continue;
    }
    out.push(acc);
    acc = '';
  }
  if (acc) out.push(acc);
  return out;
}

/** Runs the command of a `trace` line and renders `trace-NAME.cmd.txt` (`$ CMD`, output, `[exit N]`). */
function traceCommand(e: Engine, words: string[]): string {
  let out = '';
  let code = 0;
  let m: RegExpMatchArray | null;
  const script = words[words.length - 1] ?? '';
  const ncPipe = /nc -w 1 (\S+) (\d+)( \| head -1)?\s*$/.exec(script);
  let ns: NetNamespace | null = null;
  if (words[0] === 'docker' && words[1] === 'exec' && words[3] === 'sh' && ncPipe) {
    ns = (e.runtime.store.find(words[2]!)?.namespaces?.net.handle as NetNamespace | null) ?? null;
  } else if (words[0] === 'ip' && words[1] === 'netns' && words[2] === 'exec' && ncPipe) {
    ns = words[3] === 'dlab' ? e.host : namedNamespaces.get(e)?.get(words[3]!) ?? null;
  }
  if (ncPipe && ns) {
    out = flow(ns, ncPipe[1]!, Number(ncPipe[2])).replace(/\r\n/g, '\n');
    if (ncPipe[3]) out = out.split('\n')[0] + '\n';
  } else if ((m = words.join(' ').match(/^docker (.*)$/))) {
    const r = e.exec(words);
    out = r.stdout + r.stderr;
    code = r.exitCode;
  }
  return `$ ${words.join(' ')}\n${out}[exit ${code}]\n`;
}

/**
 * net_lib.sh `trace`: inserts `-t raw -I SPEC -j TRACE` for every spec, runs `cmd` with an
 * `xtables-monitor --trace` of the host attached, deletes the rules and the raw table again.
 * Returns cmd's result and the monitor's output.
 */
function traced(e: Engine, specs: string[], cmd: () => string): [string, string] {
  const nf = nfOf(e.host);
  if (!nf) return [cmd(), ''];
  for (const s of specs) nf.iptables(['-t', 'raw', '-I', ...splitCommandLine(s), '-j', 'TRACE']);
  const mon = new XtablesMonitor(e.host.name);
  const saved = e.sim.tracer;
  e.sim.tracer = mon;
  let text: string;
  try {
    text = cmd();
    e.sim.runUntil(e.sim.now + (3 * SECOND) / 2);
  } finally {
    e.sim.tracer = saved;
    for (const s of specs) nf.iptables(['-t', 'raw', '-D', ...splitCommandLine(s), '-j', 'TRACE']);
    // `nft delete table ip raw`
    const raw = nf.rules.tables.raw;
    if ([...raw.chains.values()].every((c) => c.builtin && c.rules.length === 0)) raw.exists = false;
  }
  return [text, renderXtablesTrace(mon.events)];
}

/** The namespace the probe's `ext()` helper enters (`ext() { ip netns exec NAME "$@"; }`). */
function extNs(text: string): string {
  return /ext\(\) \{ ip netns exec (\S+)/.exec(text)?.[1] ?? 'olab-ext';
}

/** `printf 'GET / …' | nc -w 1 IP PORT` output: the response, or busybox nc's error line. */
function flow(ns: NetNamespace, ip: string, port: number): string {
  const r = ncTcp(ns, ip, port, HTTP_REQ, SECOND);
  if (r.error) return r.response + `nc: can't connect to remote host (${ip}): ${r.error}\n`;
  return r.response;
}

/** `netprobe.py udp IP PORT`: `ok` on an echo, else `fail <reason>`. */
function udpProbe(ns: NetNamespace, ip: string, port: number): string {
  const r = udpRequest(ns, ip, port, 'ping', SECOND);
  const txt = r.reply ? latin1(r.reply) : '';
  if (txt.startsWith('echo:')) return 'ok\n';
  if (r.error === 'Connection refused') return 'fail refused (ICMP port unreachable)\n';
  if (!r.reply && (!r.error || r.error === 'timed out')) return 'fail no reply\n';
  return `fail ${r.error ?? 'unexpected reply'}\n`;
}

/** `netprobe.py udp-echo PORT`: answers `echo:` + data. */
function udpEcho(ns: NetNamespace, port: number): UdpSocket {
  return ns.udp.bind(0, port, (data, src, sport, sock) => {
    const out = new Uint8Array(5 + data.length);
    out.set([101, 99, 104, 111, 58]);
    out.set(data, 5);
    try {
      sock.sendTo(src, sport, out);
    } catch {
      /* no route back */
    }
  });
}

/** docker-proxy command lines, sorted (the probe's `ps -eo args | grep | sort`). */
function proxyCmdlines(e: Engine): string {
  const lines = [...proxiesOf(e)].map(
    (p) => `/usr/sbin/docker-proxy -proto ${p.proto} -host-ip ${p.hostIp} -host-port ${p.hostPort} -container-ip ${p.containerIp} -container-port ${p.containerPort}`,
  );
  return lines.sort().map((l) => l + '\n').join('');
}

/** `ss -Hlntup` of the host with the owning process (pids and fds normalised as the probe does). */
function listenersWithProcs(e: Engine): string {
  interface Row {
    netid: string;
    state: string;
    sendq: number;
    addr: string;
    port: string;
    peer: string;
    proc: string;
  }
  const rows: Row[] = [];
  const httpd = httpdListeners.get(e.host) ?? new Set<number>();
  const users = (p: string): string => `users:(("${p}",pid=<pid>,fd=<fd>))`;
  for (const l of e.host.tcp.listening()) {
    if (httpd.has(l.lport) && l.laddr === 0) continue;
    rows.push({ netid: 'tcp', state: 'LISTEN', sendq: 4096, addr: ipToString(l.laddr), port: String(l.lport), peer: '0.0.0.0', proc: users('docker-proxy') });
  }
  for (const p of httpd) rows.push({ netid: 'tcp', state: 'LISTEN', sendq: 9, addr: '*', port: String(p), peer: '*', proc: users('httpd') });
  for (const u of e.host.udp.list()) if (!connectedUdp.has(u)) rows.push({ netid: 'udp', state: 'UNCONN', sendq: 0, addr: ipToString(u.laddr), port: String(u.lport), peer: '0.0.0.0', proc: users('docker-proxy') });
  for (const p of proxiesOf(e))
    if (p.hostIp === '::') rows.push({ netid: p.proto, state: p.proto === 'tcp' ? 'LISTEN' : 'UNCONN', sendq: p.proto === 'tcp' ? 4096 : 0, addr: '[::]', port: String(p.hostPort), peer: '[::]', proc: users('docker-proxy') });
  const aw = Math.max(0, ...rows.map((r) => r.addr.length));
  const pw = Math.max(0, ...rows.map((r) => r.port.length));
  const ppw = Math.max(0, ...rows.map((r) => r.peer.length));
  const lines = rows.map((r) => `${r.netid} ${r.state} ${'0'.padEnd(6)} ${String(r.sendq).padEnd(6)} ${r.addr.padStart(aw)}:${r.port.padEnd(pw)} ${r.peer.padStart(ppw)}:* ${r.proc}`);
  lines.sort();
  return lines.map((l) => l + '\n').join('');
}
