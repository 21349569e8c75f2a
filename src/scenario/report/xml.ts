/** XML text and attribute escaping for the reporters (XML 1.0 2.4 and 2.11). */

// XML 1.0 2.2: these code points may not appear at all, even escaped; they become U+FFFD.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/g;

function clean(text: string): string {
  // Keep well-formed surrogate pairs; replace lone surrogates and forbidden controls.
  return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g, (ch) =>
    ch.length === 2 ? ch : ch.replace(INVALID_XML, '\uFFFD'),
  );
}

export function escapeText(text: string): string {
  return clean(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
