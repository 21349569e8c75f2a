import type { Random } from '../../core/random.js';
import { randomInt } from '../../core/random.js';

/** generateName suffixes use the apiserver's alphabet: no vowels, no look-alike digits. */
export const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(random: Random, length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += GENERATE_NAME_ALPHABET[randomInt(random, 0, GENERATE_NAME_ALPHABET.length - 1)];
  }
  return out;
}

/** An RFC 4122 version 4 UUID drawn from the injected Random (reproducible in tests). */
export function randomUid(random: Random): string {
  const hex: string[] = [];
  for (let i = 0; i < 16; i++) hex.push(randomInt(random, 0, 255).toString(16).padStart(2, '0'));
  // RFC 4122 4.4: version 4 in the high nibble of byte 6, variant 10xx in byte 8.
  hex[6] = ((parseInt(hex[6] as string, 16) & 0x0f) | 0x40).toString(16).padStart(2, '0');
  hex[8] = ((parseInt(hex[8] as string, 16) & 0x3f) | 0x80).toString(16).padStart(2, '0');
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 1123 subdomain, as metadata.name of most kinds must be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function nameProblem(name: string, label: boolean): string | undefined {
  const max = label ? 63 : 253;
  if (name.length > max) return `must be no more than ${max} characters`;
  if (!(label ? DNS_LABEL : DNS_SUBDOMAIN).test(name)) {
    return label
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}

/** RFC 3339 with seconds, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  // Every write stamps its managedFields time: thousands of writes a second share one text.
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}
let lastSecond = NaN;
let lastText = '';
