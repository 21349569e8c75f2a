/**
 * Go's fmt verbs as MetalLB's messages use them, so that our messages are byte-for-byte the
 * ones users see from MetalLB: `%q` (strconv.Quote) and `%q` of a slice of Stringers.
 */

/** strconv.Quote: double-quoted, Go escapes for control and invalid characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) {
      out += '\\x' + cp.toString(16).padStart(2, '0');
    } else if (cp >= 0x80 && cp < 0xa0) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/** `%q` of a slice: `["a" "b"]`. */
export function goQuoteList(items: readonly string[]): string {
  return '[' + items.map(goQuote).join(' ') + ']';
}

/** errors.Join: the messages of the non-nil errors separated by newlines. */
export function goJoin(...messages: string[]): string {
  return messages.join('\n');
}

/** `%q` of an integer: Go prints it as a quoted rune literal (`'!'` for 33). */
export function goQuoteRune(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) {
    return `'\\ufffd'`;
  }
  const ch = String.fromCodePoint(n);
  if (ch === "'") return `'\\''`;
  if (ch === '"') return `'"'`;
  const q = goQuote(ch);
  return `'${q.slice(1, -1)}'`;
}
