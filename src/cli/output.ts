/**
 * Terminal output: colours and a live status line on a TTY, plain lines otherwise (CI logs,
 * pipes). `status` overwrites one line in place on a TTY and prints nothing elsewhere.
 */
export interface Output {
  line(text: string): void;
  error(text: string): void;
  status(text: string): void;
}

const tty = process.stdout.isTTY === true && !process.env['NO_COLOR'];
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

export const style = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
};

export function consoleOutput(): Output {
  let statusShown = false;
  const clear = (): void => {
    if (statusShown) process.stdout.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    line(text) {
      clear();
      process.stdout.write(`${text}\n`);
    },
    error(text) {
      clear();
      process.stderr.write(`${text}\n`);
    },
    status(text) {
      if (!tty) return;
      clear();
      if (!text) return;
      const width = process.stdout.columns ?? 100;
      process.stdout.write(text.length > width - 1 ? `${text.slice(0, width - 4)}...` : text);
      statusShown = true;
    },
  };
}
