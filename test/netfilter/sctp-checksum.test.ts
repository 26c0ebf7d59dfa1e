/**
 * `-p sctp` ports and the CHECKSUM target, as the daemon programs them for `-p PORT/sctp` (libnetwork
 * iptables.Forward), against iptables 1.8.9 (nf_tables) run in a scratch namespace (2026-12-04).
 */
import { expect, it } from 'vitest';
import { Ruleset } from '../../src/netfilter/table.js';
import { runIptables } from '../../src/netfilter/commands.js';
import { saveText } from '../../src/netfilter/text.js';
import { matchMatches } from '../../src/netfilter/engine.js';

it('sctp ports and -j CHECKSUM --checksum-fill: rules, save text and errors as iptables 1.8.9 prints them', () => {
  const rs = new Ruleset();
  const r = (s: string) => runIptables(rs, s.split(' '));
  expect(r('-t mangle -A POSTROUTING -p sctp --sport 81 -j CHECKSUM --checksum-fill').exitCode).toBe(0);
  expect(r('-t mangle -A POSTROUTING -j CHECKSUM')).toEqual({ exitCode: 2, stdout: '', stderr: 'iptables v1.8.9 (nf_tables): CHECKSUM: option "--checksum-fill" must be specified\n\nTry `iptables -h\' or \'iptables --help\' for more information.\n' });
  expect(r('-t nat -A POSTROUTING -j CHECKSUM --checksum-fill')).toEqual({ exitCode: 4, stdout: '', stderr: 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain POSTROUTING\n' });
  expect(r('-t nat -A PREROUTING -p sctp -d 0/0 --dport 9301 -j DNAT --to-destination 172.17.0.5:81 ! -i docker0').exitCode).toBe(0);
  expect(saveText(rs)).toBe(
    '*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -p sctp -m sctp --sport 81 -j CHECKSUM --checksum-fill\nCOMMIT\n' +
      '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING ! -i docker0 -p sctp -m sctp --dport 9301 -j DNAT --to-destination 172.17.0.5:81\nCOMMIT\n',
  );
  expect(r('-t mangle -D POSTROUTING -p sctp --sport 81 -j CHECKSUM --checksum-fill').exitCode).toBe(0);
  // the table stays, with its base chains
  expect(saveText(rs, { table: 'mangle' })).toBe('*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n');
  // the sctp match tests protocol 132 and its ports, not UDP's
  const m = rs.tables.nat.get('PREROUTING').rules[0]!.matches[0]!;
  const pkt = (proto: number, dport: number) => ({ proto, sport: 5000, dport, tcpFlags: 0 }) as unknown as Parameters<typeof matchMatches>[1];
  expect(matchMatches(m, pkt(132, 9301))).toBe(true);
  expect(matchMatches(m, pkt(17, 9301))).toBe(false);
  expect(matchMatches(m, pkt(132, 9302))).toBe(false);
});
