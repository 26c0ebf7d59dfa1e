/**
 * Programs the network layer adds to containers for `docker exec`: `ip`, `ping`, `nslookup`, `httpd`, `nc`, `wget`
 * (busybox applets in `mini:latest`).
 */
import type { Engine } from '../engine.js';
import { ipProgram } from './ip.js';
import { nslookupProgram } from './nslookup.js';
import { pingProgram } from './ping.js';
import { httpdProgram } from './httpd.js';
import { ncProgram } from './nc.js';
import { wgetProgram } from './wget.js';

/** Registers the network programs in the runtime's registry. */
export function registerNetPrograms(e: Engine): void {
  const reg = e.runtime.programs;
  reg.register('ip', ipProgram(e));
  reg.register('nslookup', nslookupProgram(e));
  reg.register('ping', pingProgram(e));
  reg.register('httpd', httpdProgram(e));
  reg.register('nc', ncProgram(e));
  reg.register('wget', wgetProgram(e));
}
