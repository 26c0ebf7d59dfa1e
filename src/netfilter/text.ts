/**
 * Text output of the iptables tools: `iptables-save`, `iptables -S` and `iptables -L`.
 *
 * @module
 */
import { ipToString } from '../wire/addr.js';
import { ADDRTYPE_NAMES, CT_STATE_NAMES, maskLen, protoName, ruleSpec, targetText, type Match, type Rule } from './rule.js';
import { TABLE_NAMES, type Chain, type Ruleset, type Table } from './table.js';

/** `iptables-save` text of the tables that exist, in nf_tables order (no comment lines). */
export function saveText(rs: Ruleset, opts: { counters?: boolean; table?: string } = {}): string {
  const out: string[] = [];
  saveLines(rs, opts, (line) => out.push(line));
  out.push('');
  return out.join('\n');
}

/**
 * `iptables-save` output line by line (without the newline), for printing a large rule set as it
 * is produced: linear in the rules, nothing kept between lines.
 */
export function saveLines(rs: Ruleset, opts: { counters?: boolean; table?: string }, emit: (line: string) => void): void {
  for (const name of TABLE_NAMES) {
    const t = rs.tables[name];
    if (!t.exists || (opts.table && opts.table !== name)) continue;
    saveTableLines(t, opts.counters ?? false, emit);
  }
}

/** One table's block of `iptables-save` output. */
export function saveTable(t: Table, counters: boolean): string {
  const out: string[] = [];
  saveTableLines(t, counters, (line) => out.push(line));
  out.push('');
  return out.join('\n');
}

function saveTableLines(t: Table, counters: boolean, emit: (line: string) => void): void {
  const chains = t.orderedChains();
  emit(`*${t.name}`);
  for (const c of chains) emit(`:${c.name} ${c.policy ?? '-'} [${c.pkts}:${c.bytes}]`);
  for (const c of chains) {
    const head = `-A ${c.name}`;
    const rules = c.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      const spec = ruleSpec(r);
      const line = spec ? head + ' ' + spec : head;
      emit(counters ? `[${r.pkts}:${r.bytes}] ${line}` : line);
    }
  }
  emit('COMMIT');
}

/** `iptables -S [CHAIN [N]]` text. */
export function listRulesText(t: Table, chain: string, num: number, verbose: boolean): string {
  const chains = chain ? [t.get(chain)] : t.orderedChains();
  let out = '';
  if (num > 0) {
    const r = chains[0]!.rules[num - 1];
    return r ? ruleLine(chains[0]!, r, verbose) : '';
  }
  for (const c of chains)
    out += c.builtin ? `-P ${c.name} ${c.policy}${verbose ? ` -c ${c.pkts} ${c.bytes}` : ''}\n` : `-N ${c.name}\n`;
  for (const c of chains) for (const r of c.rules) out += ruleLine(c, r, verbose);
  return out;
}

function ruleLine(c: Chain, r: Rule, verbose: boolean): string {
  const spec = ruleSpec(r);
  if (!verbose) return `-A ${c.name}${spec ? ` ${spec}` : ''}\n`;
  // -v puts the counters before the target: `-A X -i eth0 -c 0 0 -j ACCEPT`
  const t = targetText(r.target);
  const head = t ? spec.slice(0, spec.length - t.length).trimEnd() : spec;
  return `-A ${c.name}${head ? ` ${head}` : ''} -c ${r.pkts} ${r.bytes}${t ? ` ${t}` : ''}\n`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** xtables_print_num without padding: K/M/G/T suffixes unless `-x`. */
function num(n: number, exact: boolean): string {
  if (exact || n <= 99999) return String(n);
  let v = n;
  for (const unit of ['K', 'M', 'G']) {
    v = Math.floor((v + 500) / 1000);
    if (v <= 9999) return `${v}${unit}`;
  }
  return `${Math.floor((v + 500) / 1000)}T`;
}

/** xtables_print_num in a table: `%5llu`/`%4lluK` (or `%8llu` with `-x`), then a space. */
function numCol(n: number, exact: boolean): string {
  if (exact) return String(n).padStart(8) + ' ';
  const s = num(n, false);
  return (n <= 99999 ? s.padStart(5) : s.padStart(5)) + ' ';
}

function addr(ip: number, mask: number, numeric: boolean): string {
  if (mask === 0) return numeric ? '0.0.0.0/0' : 'anywhere';
  const l = maskLen(mask);
  if (l === 32) return ipToString(ip);
  return `${ipToString(ip)}/${l >= 0 ? l : ipToString(mask)}`;
}

function range(lo: number, hi: number): string {
  return lo === hi ? String(lo) : `${lo}:${hi}`;
}

function matchInfo(m: Match): string {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      let s = ` ${m.kind}`;
      if (m.sportLo >= 0) s += ` spt${m.sportLo !== m.sportHi ? 's' : ''}:${m.sportInv ? '!' : ''}${range(m.sportLo, m.sportHi)}`;
      if (m.dportLo >= 0) s += ` dpt${m.dportLo !== m.dportHi ? 's' : ''}:${m.dportInv ? '!' : ''}${range(m.dportLo, m.dportHi)}`;
      if (m.flagsMask >= 0)
        s += ` flags:${m.flagsInv ? '!' : ''}0x${m.flagsMask.toString(16).padStart(2, '0').toUpperCase()}/0x${m.flagsCmp.toString(16).padStart(2, '0').toUpperCase()}`;
      return s;
    }
    case 'icmp':
      return m.type === 255 ? ` icmp${m.inv ? ' !' : ''}any` : ` ${m.inv ? '!' : ''}icmptype ${m.type}${m.codeLo === 0 && m.codeHi === 255 ? '' : ` code ${m.codeLo}`}`;
    case 'conntrack':
    case 'state': {
      const names = CT_STATE_NAMES.filter(([, b]) => m.states & b).map(([n]) => n).join(',');
      return m.kind === 'conntrack' ? ` ${m.inv ? '! ' : ''}ctstate ${names}` : ` ${m.inv ? '! ' : ''}state ${names}`;
    }
    case 'addrtype': {
      const list = (b: number): string => ADDRTYPE_NAMES.filter((_, i) => b & (1 << i)).join(',');
      let s = ' ADDRTYPE match';
      if (m.src) s += ` src-type ${m.srcInv ? '!' : ''}${list(m.src)}`;
      if (m.dst) s += ` dst-type ${m.dstInv ? '!' : ''}${list(m.dst)}`;
      return s;
    }
    case 'multiport': {
      const parts: string[] = [];
      for (let i = 0; i < m.ports.length; i += 2) parts.push(range(m.ports[i]!, m.ports[i + 1]!));
      return ` multiport ${m.dir} ${m.inv ? ' !' : ''}${parts.join(',')}`;
    }
    case 'comment':
      return ` /* ${m.text} */`;
    case 'mark':
      return ` mark match ${m.inv ? '! ' : ''}0x${m.value.toString(16)}${m.mask !== 0xffffffff ? `/0x${m.mask.toString(16)}` : ''}`;
  }
}

function targetInfo(r: Rule): string {
  const t = r.target;
  switch (t.kind) {
    case 'REJECT':
      return ` reject-with ${t.with}`;
    case 'LOG':
      return ` LOG flags 0 level ${t.level}${t.prefix ? ` prefix "${t.prefix}"` : ''}`;
    case 'DNAT':
    case 'SNAT': {
      let s = ` to:${t.range.hasIp ? ipToString(t.range.minIp) + (t.range.maxIp !== t.range.minIp ? `-${ipToString(t.range.maxIp)}` : '') : ''}`;
      if (t.range.hasPort) s += `:${t.range.minPort}${t.range.maxPort !== t.range.minPort ? `-${t.range.maxPort}` : ''}`;
      return s + (t.range.random ? ' random' : '') + (t.range.persistent ? ' persistent' : '');
    }
    case 'MASQUERADE':
    case 'REDIRECT':
      return (t.range.hasPort ? ` ${t.kind === 'REDIRECT' ? 'redir ' : 'masq '}ports: ${t.range.minPort}${t.range.maxPort !== t.range.minPort ? `-${t.range.maxPort}` : ''}` : '') + (t.range.random ? ' random' : '');
    default:
      return '';
  }
}

function targetName(r: Rule): string {
  const t = r.target;
  if (t.kind === 'none') return '';
  if (t.kind === 'jump') return t.chain;
  return t.kind;
}

/** `iptables -L [CHAIN]` text (`-n`, `-v`, `-x`, `--line-numbers`). */
export function listText(t: Table, chain: string, o: { numeric: boolean; verbose: boolean; exact: boolean; lineNumbers: boolean }): string {
  const chains = chain ? [t.get(chain)] : t.orderedChains();
  const blocks: string[] = [];
  for (const c of chains) {
    let s: string;
    if (c.builtin)
      s = o.verbose
        ? `Chain ${c.name} (policy ${c.policy} ${num(c.pkts, o.exact)} packets, ${num(c.bytes, o.exact)} bytes)\n`
        : `Chain ${c.name} (policy ${c.policy})\n`;
    else s = `Chain ${c.name} (${t.references(c.name)} references)\n`;
    let h = '';
    if (o.lineNumbers) h += pad('num', 4) + ' ';
    // (with -x iptables 1.8.9 pads the bytes header to 10 but the values to 8)
    if (o.verbose) h += o.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : ' pkts bytes ';
    h += pad('target', 10) + ' ' + pad('prot', 4) + ' opt';
    if (o.verbose) h += ' ' + pad('in', 6) + ' ' + pad('out', 6) + ' ';
    h += ' ' + pad('source', 19) + ' ' + ' ' + pad('destination', 19) + ' ';
    s += h + '\n';
    c.rules.forEach((r, i) => {
      let l = '';
      if (o.lineNumbers) l += pad(String(i + 1), 4) + ' ';
      if (o.verbose) l += numCol(r.pkts, o.exact) + numCol(r.bytes, o.exact);
      l += pad(targetName(r), 9) + ' ';
      l += r.protoInv ? '!' : ' ';
      l += pad(o.numeric ? String(r.proto) : r.proto === 0 ? 'all' : protoName(r.proto), 4) + ' ';
      l += r.frag === 0 ? '-- ' : r.frag === 1 ? '-f ' : '!f ';
      if (o.verbose) {
        const any = o.numeric ? '*' : 'any';
        l += ' ' + pad((r.inIfInv ? '!' : '') + (r.inIf || any), 6) + ' ';
        l += pad((r.outIfInv ? '!' : '') + (r.outIf || any), 6) + ' ';
      }
      l += (r.srcInv ? '!' : ' ') + pad(addr(r.src, r.srcMask, o.numeric), 19) + ' ';
      l += (r.dstInv ? '!' : ' ') + pad(addr(r.dst, r.dstMask, o.numeric), 19) + ' ';
      if (r.target.kind === 'jump' && r.target.goto) l += '[goto] ';
      for (const m of r.matches) l += matchInfo(m);
      l += targetInfo(r);
      s += l + '\n';
    });
    blocks.push(s);
  }
  return blocks.join('\n');
}
