/**
 * `docker top CONTAINER`: the container's processes with their HOST pids (what `ps -ef` on the
 * host shows), the other side of the pid namespace's translation.
 */
import type { ExecResult, Runtime } from '../runtime.js';
import { Out, daemonFailure } from './output.js';
import { DockernetError } from '../../core/errors.js';
import { tabwrite } from './table.js';

/** `docker top`. */
export function topCommand(rt: Runtime, args: string[]): ExecResult {
  const out = new Out();
  try {
    const c = rt.store.get(args[0] ?? '');
    if (!c.running) throw new DockernetError('EDAEMON', `Container ${c.id} is not running`);
    const procs = [...c.procs].filter((p) => !p.done).sort((a, b) => a.pid - b.pid);
    const initPid = c.init?.pid ?? 0;
    const rows = [['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], ...procs.map((p) => ['root', String(p.pid), String(p === c.init ? rt.daemonPid + 1 : initPid), '0', '00:00', '?', '00:00:00', p.argv.join(' ')])];
    out.stdout = tabwrite(rows, 20, 1) + '\n';
  } catch (e) {
    daemonFailure(out, e);
  }
  return out.result();
}
