/**
 * `dockernet graph`: the topology of a lab (namespaces, veth pairs, bridges, networks, published
 * ports) as a Mermaid flowchart or a Graphviz DOT digraph.
 *
 * @module
 */
import type { Lab } from './lab.js';

/** A node of the topology. */
export interface TopoNode {
  id: string;
  /** Namespace the node lives in (`host` or a container name); '' for published ports. */
  ns: string;
  kind: 'bridge' | 'veth' | 'iface' | 'port' | 'macvlan';
  /** Lines of its label. */
  label: string[];
}

/** An edge of the topology. */
export interface TopoEdge {
  from: string;
  to: string;
  /** `veth pair`, `master`, `DNAT`. */
  label: string;
}

/** The topology as nodes grouped by namespace and edges. */
export interface Topology {
  /** Namespaces in drawing order (host first), with their title. */
  groups: Array<{ ns: string; title: string }>;
  nodes: TopoNode[];
  edges: TopoEdge[];
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');

/** Builds the topology of a lab. */
export function topology(lab: Lab): Topology {
  const groups: Topology['groups'] = [{ ns: 'host', title: 'host (network namespace of dockerd)' }];
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  for (const n of lab.networks()) {
    if (n.driver !== 'bridge') continue;
    nodes.push({ id: `br_${safe(n.bridge)}`, ns: 'host', kind: 'bridge', label: [`${n.bridge}`, `network ${n.name}${n.internal ? ' (internal)' : ''}`, `${n.subnet} gw ${n.gateway}`] });
  }
  for (const c of lab.containers()) {
    if (!c.running) continue;
    if (c.networkMode === 'host' || c.networkMode.startsWith('container:')) {
      groups.push({ ns: c.name, title: `container ${c.name} (network ${c.networkMode === 'host' ? 'host: shares the host namespace' : `${c.networkMode}: shares its namespace`})` });
      nodes.push({ id: `c_${safe(c.name)}_shared`, ns: c.name, kind: 'iface', label: [c.networkMode === 'host' ? 'host network stack' : `stack of ${c.networkMode}`] });
      continue;
    }
    groups.push({ ns: c.name, title: `container ${c.name}` });
    if (!c.endpoints.some((e) => e.ifname)) nodes.push({ id: `c_${safe(c.name)}_lo`, ns: c.name, kind: 'iface', label: ['lo only (network none)'] });
    for (const ep of c.endpoints) {
      if (!ep.ifname) continue;
      const id = `c_${safe(c.name)}_${safe(ep.ifname)}`;
      nodes.push({ id, ns: c.name, kind: 'iface', label: [`${ep.ifname} ${ep.ip}/${ep.prefixLen}`, ep.mac] });
      if (ep.hostVeth) {
        const vid = `v_${safe(ep.hostVeth)}`;
        nodes.push({ id: vid, ns: 'host', kind: 'veth', label: [ep.hostVeth] });
        edges.push({ from: id, to: vid, label: 'veth pair' });
        if (ep.bridge) edges.push({ from: vid, to: `br_${safe(ep.bridge)}`, label: 'master' });
      }
    }
  }
  for (const p of lab.publishedPorts()) {
    const id = `p_${safe(p.hostIp)}_${p.hostPort}_${p.proto}`;
    if (!nodes.some((n) => n.id === id)) nodes.push({ id, ns: '', kind: 'port', label: [`${p.hostIp}:${p.hostPort}/${p.proto}`] });
    const c = lab.containers().find((x) => x.name === p.container);
    const ep = c?.endpoints.find((e) => e.ip === p.containerIp);
    if (c && ep) edges.push({ from: id, to: `c_${safe(c.name)}_${safe(ep.ifname)}`, label: `DNAT → ${p.containerIp}:${p.containerPort}` });
  }
  return { groups, nodes, edges };
}

const mq = (s: string): string => s.replace(/"/g, '#quot;');

/** A Mermaid flowchart of the topology. */
export function graphMermaid(t: Topology): string {
  const out = ['flowchart LR'];
  for (const g of t.groups) {
    const inGroup = t.nodes.filter((n) => n.ns === g.ns);
    if (!inGroup.length) continue;
    out.push(`  subgraph ns_${safe(g.ns)}["${mq(g.title)}"]`);
    for (const n of inGroup) out.push(`    ${n.id}${shape(n, n.label.map(mq).join('<br/>'))}`);
    out.push('  end');
  }
  for (const n of t.nodes.filter((x) => x.ns === '')) out.push(`  ${n.id}${shape(n, n.label.map(mq).join('<br/>'))}`);
  for (const e of t.edges) out.push(e.label === 'master' ? `  ${e.from} --- ${e.to}` : `  ${e.from} ${e.label.startsWith('DNAT') ? '-->' : '---'}|"${mq(e.label)}"| ${e.to}`);
  return out.join('\n') + '\n';
}

function shape(n: TopoNode, text: string): string {
  if (n.kind === 'bridge') return `[["${text}"]]`;
  if (n.kind === 'port') return `(["${text}"])`;
  return `["${text}"]`;
}

const dq = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** A Graphviz DOT digraph of the topology. */
export function graphDot(t: Topology): string {
  const out = ['digraph dockernet {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const g of t.groups) {
    const inGroup = t.nodes.filter((n) => n.ns === g.ns);
    if (!inGroup.length) continue;
    out.push(`  subgraph "cluster_${dq(g.ns)}" {`, `    label="${dq(g.title)}";`, '    style=rounded;');
    for (const n of inGroup) out.push(`    ${n.id} [label="${n.label.map(dq).join('\\n')}", shape=${n.kind === 'bridge' ? 'box3d' : 'box'}];`);
    out.push('  }');
  }
  for (const n of t.nodes.filter((x) => x.ns === '')) out.push(`  ${n.id} [label="${n.label.map(dq).join('\\n')}", shape=ellipse];`);
  for (const e of t.edges) out.push(`  ${e.from} -> ${e.to} [label="${dq(e.label === 'master' ? '' : e.label)}"${e.label.startsWith('DNAT') ? '' : ', dir=none'}];`);
  out.push('}');
  return out.join('\n') + '\n';
}
