/**
 * Typed errors. Every error dockernet raises on bad input is a {@link DockernetError} with a stable
 * `code`; where real docker or iptables prints a message, `message` is that exact text.
 */
export class DockernetError extends Error {
  /** A stable machine-readable code, e.g. `EPARSE`, `ENOENT`, `EDOCKER`. */
  readonly code: string;
  /** Exit status the real tool would use for this error (docker: 1 or 125, iptables: 1 or 2). */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = 'DockernetError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A malformed packet or header: thrown by `parse`, counted and dropped on the packet path. */
export class ParseError extends DockernetError {
  /** The protocol whose decoder refused the bytes, e.g. `ipv4`. */
  readonly protocol: string;
  constructor(protocol: string, message: string) {
    super('EPARSE', `${protocol}: ${message}`);
    this.name = 'ParseError';
    this.protocol = protocol;
  }
}

/** Bad user input: a bad flag, an unknown name, an unreadable file. */
export class UsageError extends DockernetError {
  constructor(message: string, exitCode = 2) {
    super('EUSAGE', message, exitCode);
    this.name = 'UsageError';
  }
}
