/**
 * Driver factory: validates `--log-opt`s at create time (daemon's ValidateLogOpts) and builds the
 * driver at start (where size parsing and syslog connection errors surface), plus the local,
 * none, syslog and fluentd drivers and their message formats.
 */
import type { Container } from '../container.js';
import { LogDriverError, type LogDriver, type LogMessage } from './driver.js';
import { JsonFileDriver } from './json-file.js';
import { ramInBytes, rfc3339Nano, EPOCH_MS } from '../units.js';

const OPTS: Record<string, string[]> = {
  'json-file': ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-file', 'max-size', 'compress'],
  none: [],
  syslog: ['env', 'env-regex', 'labels', 'labels-regex', 'syslog-address', 'syslog-facility', 'syslog-tls-ca-cert', 'syslog-tls-cert', 'syslog-tls-key', 'syslog-tls-skip-verify', 'tag', 'syslog-format'],
  fluentd: ['env', 'env-regex', 'labels', 'labels-regex', 'tag', 'fluentd-address', 'fluentd-async', 'fluentd-async-connect', 'fluentd-buffer-limit', 'fluentd-retry-wait', 'fluentd-max-retries', 'fluentd-sub-second-precision', 'fluentd-request-ack'],
};

/** Where syslog / fluentd deliver (the model has no daemon on the other end: it keeps them). */
export interface LogSinks {
  /** Formatted syslog datagrams, per address. */
  syslog: Array<{ address: string; text: string }>;
  /** fluentd records (tag, time, record). */
  fluentd: Array<{ address: string; tag: string; time: number; record: Record<string, string> }>;
  /** Whether /dev/log exists on the engine's host (the lab has none). */
  devLog: boolean;
}

/** Create-time validation. Throws LogDriverError with Docker's message. */
export function validateLogConfig(type: string, config: Record<string, string>): void {
  const allowed = OPTS[type];
  if (!allowed) throw new LogDriverError(`error looking up logging plugin ${type}: plugin "${type}" not found`, false);
  for (const k of Object.keys(config)) {
    if (!allowed.includes(k)) throw new LogDriverError(`unknown log opt '${k}' for ${type} log driver`, false);
  }
}

function size(text: string | undefined): number {
  if (text === undefined) return -1;
  try {
    return ramInBytes(text);
  } catch (e) {
    throw new LogDriverError(`failed to initialize logging driver: ${(e as Error).message}`, true);
  }
}

/** A driver keeping messages in memory under a file name (local driver, dual-logging cache). */
class CacheDriver implements LogDriver {
  private readonly msgs: LogMessage[] = [];
  constructor(readonly name: string, private readonly file: string) {}
  log(m: LogMessage): void {
    this.msgs.push(m);
  }
  read(): LogMessage[] {
    return [...this.msgs];
  }
  files(): Map<string, string> {
    return new Map([[this.file, this.msgs.map((m) => m.line).join('')]]);
  }
}

/** `time.Stamp` (`Jan _2 15:04:05`) of a virtual instant. */
export function stampTime(t: number): string {
  const d = new Date(EPOCH_MS + Math.floor(t / 1e6));
  const mon = d.toUTCString().slice(8, 11);
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

/** Formats one syslog message as Docker's syslog driver does for `syslog-format` (default: unix). */
export function syslogFormat(format: string, m: LogMessage, tag: string, hostname: string, pid: number): string {
  const pri = 3 * 8 + (m.stream === 'stderr' ? 3 : 6);
  const msg = m.line.replace(/\n$/, '');
  switch (format) {
    case 'rfc3164':
      return `<${pri}>${stampTime(m.time)} ${hostname} ${tag}[${pid}]: ${msg}`;
    case 'rfc5424':
    case 'rfc5424micro':
      return `<${pri}>1 ${rfc3339Nano(m.time).replace(/\.\d+Z$/, 'Z')} ${hostname} ${tag} ${pid} ${tag} - ${msg}`;
    default:
      return `<${pri}>${stampTime(m.time)} ${tag}[${pid}]: ${msg}`;
  }
}

class SyslogDriver implements LogDriver {
  readonly name = 'syslog';
  private readonly cache = new CacheDriver('syslog', 'container-cached.log');
  constructor(private readonly sinks: LogSinks, private readonly address: string, private readonly format: string, private readonly tag: string, private readonly hostname: string, private readonly pid: number) {}
  log(m: LogMessage): void {
    this.sinks.syslog.push({ address: this.address, text: syslogFormat(this.format, m, this.tag, this.hostname, this.pid) });
    this.cache.log(m);
  }
  read(): LogMessage[] {
    return this.cache.read();
  }
  files(): Map<string, string> {
    return this.cache.files();
  }
}

class FluentdDriver implements LogDriver {
  readonly name = 'fluentd';
  private readonly cache = new CacheDriver('fluentd', 'container-cached.log');
  constructor(private readonly sinks: LogSinks, private readonly address: string, private readonly tag: string, private readonly c: Container) {}
  log(m: LogMessage): void {
    const record = { container_id: this.c.id, container_name: this.c.name, source: m.stream, log: m.line.replace(/\n$/, '') };
    this.sinks.fluentd.push({ address: this.address, tag: this.tag, time: Math.floor(EPOCH_MS / 1000 + m.time / 1e9), record });
    this.cache.log(m);
  }
  read(): LogMessage[] {
    return this.cache.read();
  }
  files(): Map<string, string> {
    return this.cache.files();
  }
}

/** Builds the driver at container start. Returns null for `none`. Throws LogDriverError (atStart). */
export function createLogDriver(c: Container, sinks: LogSinks, hostname: string, daemonPid: number): LogDriver | null {
  const { Type: type, Config: cfg } = c.hostConfig.LogConfig;
  const tag = cfg['tag'] ?? c.shortId;
  switch (type) {
    case 'none':
      return null;
    case 'local':
      size(cfg['max-size']);
      return new CacheDriver('local', 'local-logs/container.log');
    case 'syslog': {
      const addr = cfg['syslog-address'] ?? '';
      if (addr === '' && !sinks.devLog) throw new LogDriverError('failed to initialize logging driver: Unix syslog delivery error', true);
      return new SyslogDriver(sinks, addr || 'unix:///dev/log', cfg['syslog-format'] ?? '', tag, hostname, daemonPid);
    }
    case 'fluentd':
      return new FluentdDriver(sinks, cfg['fluentd-address'] ?? 'localhost:24224', tag, c);
    default: {
      const maxSize = size(cfg['max-size']);
      let maxFile = 1;
      if (cfg['max-file'] !== undefined) {
        maxFile = Number(cfg['max-file']);
        if (!Number.isInteger(maxFile)) throw new LogDriverError(`failed to initialize logging driver: strconv.Atoi: parsing ${JSON.stringify(cfg['max-file'])}: invalid syntax`, true);
        if (maxFile < 1) throw new LogDriverError('failed to initialize logging driver: max-file cannot be less than 1', true);
      }
      return new JsonFileDriver(`${c.id}-json.log`, maxSize, maxSize > 0 ? maxFile : 1);
    }
  }
}
