/**
 * The `conntrack` tool (conntrack-tools 1.4.7) over a {@link Conntrack} table: `-L`, `-D`, `-F`,
 * `-C`, `-S`, with the common filters (`-p`, `-s`, `-d`, `-r`, `-q`, `--sport`, `--dport`,
 * `--state`), its messages and exit codes.
 *
 * @module
 */
import { tryParseIp } from '../wire/addr.js';
import { formatEntry, TCP_STATE_NAMES, type Conntrack, type CtEntry } from './conntrack.js';
import { PROTO_BY_NAME } from './rule.js';

const BANNER = 'conntrack v1.4.7 (conntrack-tools): ';
const TRY = "Try `conntrack -h' or 'conntrack --help' for more information.\n";

/** Result of one `conntrack` run. */
export interface ConntrackResult {
  /** Exit status. */
  exitCode: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

interface Filter {
  proto: number;
  src: number;
  dst: number;
  rsrc: number;
  rdst: number;
  sport: number;
  dport: number;
  state: number;
}

function usage(msg: string): ConntrackResult {
  return { exitCode: 2, stdout: '', stderr: `${BANNER}${msg}\n${TRY}` };
}

function matches(e: CtEntry, f: Filter): boolean {
  if (f.proto >= 0 && e.proto !== f.proto) return false;
  if (f.src >= 0 && e.oSrc !== f.src) return false;
  if (f.dst >= 0 && e.oDst !== f.dst) return false;
  if (f.rsrc >= 0 && e.rSrc !== f.rsrc) return false;
  if (f.rdst >= 0 && e.rDst !== f.rdst) return false;
  if (f.sport >= 0 && e.oSport !== f.sport) return false;
  if (f.dport >= 0 && e.oDport !== f.dport) return false;
  if (f.state >= 0 && (e.proto !== 6 || e.tcpState !== f.state)) return false;
  return true;
}

/** Runs `conntrack ARGV…` (without the program name) against `ct`. Never throws. */
export function conntrackCommand(ct: Conntrack, now: number, argv: readonly string[]): ConntrackResult {
  let cmd = '';
  const f: Filter = { proto: -1, src: -1, dst: -1, rsrc: -1, rdst: -1, sport: -1, dport: -1, state: -1 };
  const cmds: Record<string, string> = {
    '-L': 'L', '--dump': 'L', '-D': 'D', '--delete': 'D', '-F': 'F', '--flush': 'F', '-C': 'C', '--count': 'C', '-S': 'S', '--stats': 'S',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (cmds[a]) {
      if (cmd) return usage('Invalid commands combination');
      cmd = cmds[a]!;
      continue;
    }
    const val = (): string | null => (i + 1 < argv.length ? argv[++i]! : null);
    const addr = (): number => {
      const v = val();
      const ip = v === null ? -1 : tryParseIp(v);
      return ip;
    };
    switch (a) {
      case '-p':
      case '--proto':
      case '--protonum': {
        const v = val();
        if (v === null) return usage(`option \`${a}' requires an argument`);
        const n = /^\d+$/.test(v) ? Number(v) : PROTO_BY_NAME[v.toLowerCase()];
        if (n === undefined || n > 255) return usage(`\`${v}' unsupported protocol`);
        f.proto = n;
        break;
      }
      case '-s':
      case '--src':
      case '--orig-src':
      case '-d':
      case '--dst':
      case '--orig-dst':
      case '-r':
      case '--reply-src':
      case '-q':
      case '--reply-dst': {
        const ip = addr();
        if (ip < 0) return usage(`Bad IP address \`${argv[i] ?? ''}'`);
        if (a === '-s' || a === '--src' || a === '--orig-src') f.src = ip;
        else if (a === '-d' || a === '--dst' || a === '--orig-dst') f.dst = ip;
        else if (a === '-r' || a === '--reply-src') f.rsrc = ip;
        else f.rdst = ip;
        break;
      }
      case '--sport':
      case '--orig-port-src':
      case '--dport':
      case '--orig-port-dst':
      case '--state': {
        if (f.proto !== 6 && f.proto !== 17 && f.proto !== 132 && f.proto !== 136) return usage(`unknown option \`${a}'`);
        if (a === '--state' && f.proto !== 6) return usage(`unknown option \`${a}'`);
        const v = val();
        if (v === null) return usage(`option \`${a}' requires an argument`);
        if (a === '--state') {
          const s = (TCP_STATE_NAMES as readonly string[]).indexOf(v);
          if (s < 0) return usage(`unknown TCP state \`${v}'`);
          f.state = s;
        } else {
          // (parsed like atoi, as conntrack-tools does)
          const port = (parseInt(v, 10) || 0) & 0xffff;
          if (a === '--sport' || a === '--orig-port-src') f.sport = port;
          else f.dport = port;
        }
        break;
      }
      default:
        return usage(`unknown option \`${a}'`);
    }
  }
  switch (cmd) {
    case 'L': {
      let out = '';
      let n = 0;
      for (const e of ct.live()) {
        if (!matches(e, f)) continue;
        out += formatEntry(e, now) + '\n';
        n++;
      }
      return { exitCode: 0, stdout: out, stderr: `${BANNER}${n} flow entries have been shown.\n` };
    }
    case 'D': {
      const victims = ct.live().filter((e) => matches(e, f));
      for (const e of victims) ct.remove(e);
      return { exitCode: victims.length ? 0 : 1, stdout: '', stderr: `${BANNER}${victims.length} flow entries have been deleted.\n` };
    }
    case 'F':
      ct.flush();
      return { exitCode: 0, stdout: '', stderr: `${BANNER}connection tracking table has been emptied.\n` };
    case 'C':
      return { exitCode: 0, stdout: `${ct.count}\n`, stderr: '' };
    case 'S': {
      const s = ct.stats;
      return {
        exitCode: 0,
        stdout: `cpu=0   \tfound=${s.found} invalid=${s.invalid} insert=${s.insert} insert_failed=${s.insert_failed} drop=${s.drop} early_drop=${s.early_drop} error=0 search_restart=${s.search_restart} clash_resolve=0 chaintoolong=0 \n`,
        stderr: '',
      };
    }
    default:
      return {
        exitCode: 0,
        stdout: 'Command line interface for the connection tracking system. Version 1.4.7\nUsage: conntrack [commands] [options]\n',
        stderr: '',
      };
  }
}
