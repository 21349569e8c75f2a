/**
 * Terminal output: colours and a live status line on a TTY, plain lines otherwise (CI logs,
 * pipes). `status` overwrites one line in place on a TTY and prints nothing elsewhere.
 *
 * Colour follows the usual conventions: FORCE_COLOR (1/2/3 or true: on; 0 or false: off)
 * wins, as in Node itself; then NO_COLOR (https://no-color.org: any non-empty value) and
 * TERM=dumb turn it off; otherwise a TTY gets colour. A terminal that reports 0 columns has
 * an unknown width (status lines are not cut). Writing to a pipe whose reader has gone
 * (`speakersim ... | head`) ends the process quietly, as other command-line tools do.
 */
export interface Output {
  line(text: string): void;
  error(text: string): void;
  status(text: string): void;
}

type Env = Record<string, string | undefined>;

/** Whether to colour output to a stream that is (or is not) a TTY, given the environment. */
export function colourEnabled(env: Env, isTTY: boolean): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

/** Whether a status line may be redrawn in place (needs a TTY that understands erase-line). */
export function statusEnabled(env: Env, isTTY: boolean): boolean {
  return isTTY && env['TERM'] !== 'dumb';
}

export type Style = Record<'bold' | 'dim' | 'red' | 'green' | 'yellow', (s: string) => string>;

export function makeStyle(enabled: boolean): Style {
  const paint = (code: string) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    bold: paint('1'),
    dim: paint('2'),
    red: paint('31'),
    green: paint('32'),
    yellow: paint('33'),
  };
}

export const style: Style = makeStyle(colourEnabled(process.env, process.stdout.isTTY === true));

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The status line cut to the terminal's width; a width of 0 or none is unknown: not cut. */
export function fitStatus(text: string, columns: number | undefined): string {
  if (!columns || columns <= 0 || text.length <= columns - 1) return text;
  if (columns < 8) return text.slice(0, Math.max(0, columns - 1));
  return `${text.slice(0, columns - 4)}...`;
}

export function createOutput(stdout: Stream, stderr: Stream, env: Env): Output {
  const live = statusEnabled(env, stdout.isTTY === true);
  let statusShown = false;
  const clear = (): void => {
    if (statusShown) stdout.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    line(text) {
      clear();
      stdout.write(`${text}\n`);
    },
    error(text) {
      clear();
      stderr.write(`${text}\n`);
    },
    status(text) {
      if (!live) return;
      clear();
      if (!text) return;
      stdout.write(fitStatus(text, stdout.columns));
      statusShown = true;
    },
  };
}

/** A closed pipe (EPIPE) ends the process quietly with success; other errors stay errors. */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

export function consoleOutput(): Output {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  return createOutput(process.stdout, process.stderr, process.env);
}
