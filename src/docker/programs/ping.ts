/**
 * busybox `ping [-c N] [-W S] HOST`: names from /etc/hosts or DNS, ICMP echo through the container's
 * namespace, busybox's output and exit status.
 */
import type { Program, ProgramContext, ProgramRun } from '../../runtime/process.js';
import type { NetNamespace } from '../../netns/netns.js';
import { SECOND } from '../../core/time.js';
import { ipToString } from '../../wire/addr.js';
import type { Engine } from '../engine.js';
import { netnsOf } from './netns-of.js';
import { resolveHost } from './resolver.js';
import { PING_USAGE } from './usage.js';

/** The ping applet. */
export function pingProgram(_e: Engine): Program {
  return (ctx, argv) => {
    let count = 1 << 30;
    let wait = 10;
    let host = '';
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-c') count = Number(argv[++i]);
      else if (a === '-W') wait = Number(argv[++i]);
      else if (a.startsWith('-c')) count = Number(a.slice(2));
      else if (a.startsWith('-W')) wait = Number(a.slice(2));
      else if (!a.startsWith('-')) host = a;
    }
    if (!host) return { stderr: PING_USAGE, exitCode: 1 };
    return pingRun(ctx, netnsOf(ctx), host, count, wait);
  };
}

/** The run of one `ping`, declared once (not a generator function per call: see `sleepFor` in runtime/programs/builtins.ts). */
function* pingRun(ctx: ProgramContext, ns: NetNamespace | null, host: string, count: number, wait: number): ProgramRun {
  const dst = yield* resolveHost(ctx, host);
  if (dst < 0) {
    ctx.stderr(`ping: bad address '${host}'\n`);
    return 1;
  }
  ctx.stdout(`PING ${host} (${ipToString(dst)}): 56 data bytes\n`);
  if (!ns) return 1;
  let received = 0;
  const rtts: number[] = [];
  let sentAt = 0;
  let got = false;
  const sock = ns.ping.open({
    onReply: (seq, from, ttl, bytes) => {
      got = true;
      received++;
      const ms = (ns.sim.now - sentAt) / 1e6;
      rtts.push(ms);
      ctx.stdout(`${bytes} bytes from ${ipToString(from)}: seq=${seq} ttl=${ttl} time=${ms.toFixed(3)} ms\n`);
    },
  });
  let sent = 0;
  try {
    for (let seq = 0; seq < count; seq++) {
      got = false;
      sentAt = ns.sim.now;
      try {
        ns.ping.send(sock, dst, seq);
      } catch (err) {
        ctx.stderr(`ping: sendto: ${(err as Error).message}\n`);
        return 1;
      }
      sent++;
      const step = SECOND / 1000;
      for (let t = 0; t < wait * SECOND && !got; t += step) yield { sleep: step };
    }
  } finally {
    ns.ping.close(sock);
  }
  const loss = Math.round(((sent - received) * 100) / Math.max(sent, 1));
  let out = `\n--- ${host} ping statistics ---\n${sent} packets transmitted, ${received} packets received, ${loss}% packet loss\n`;
  if (rtts.length) {
    const min = Math.min(...rtts), max = Math.max(...rtts), avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    out += `round-trip min/avg/max = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)} ms\n`;
  }
  ctx.stdout(out);
  return received ? 0 : 1;
}
