/** RFC 8203 2 as updated by RFC 9003 2: the Shutdown Communication in Cease/2 and Cease/4 data. */

/** RFC 9003 2: the length octet allows up to 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION_OCTETS = 255;

/**
 * Length octet then UTF-8 text, cut to 255 octets without splitting a character (RFC 9003 2:
 * the text MUST be valid UTF-8). An empty message gives an empty data field.
 */
export function encodeShutdownCommunication(text: string | undefined): Buffer {
  if (!text) return Buffer.alloc(0);
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION_OCTETS) {
    let end = MAX_SHUTDOWN_COMMUNICATION_OCTETS;
    // Step back over continuation octets (10xxxxxx) to the start of the cut character.
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}
