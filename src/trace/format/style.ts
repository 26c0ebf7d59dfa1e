/**
 * Terminal styling for the text formats: ANSI colours when enabled, plain text otherwise (the CLI
 * enables it only when stdout is a terminal and neither `--no-color` nor `NO_COLOR` is set).
 *
 * @module
 */

/** Colour functions; the identity when colour is off. */
export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string): string => `\x1b[${open}m${s}\x1b[${close}m`;

/** A {@link Style}: ANSI escapes when `color`, plain text otherwise. */
export function makeStyle(color: boolean): Style {
  if (!color) {
    const id = (s: string): string => s;
    return { red: id, green: id, yellow: id, cyan: id, dim: id, bold: id };
  }
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** The plain style. */
export const PLAIN: Style = makeStyle(false);
