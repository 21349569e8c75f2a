/**
 * RFC 5880 6.7.3 / 6.7.4 sequence number window, in the unsigned 32-bit circular space.
 * Keyed: accept bfd.RcvAuthSeq .. bfd.RcvAuthSeq + 3 * Detect Mult (inclusive);
 * Meticulous: bfd.RcvAuthSeq + 1 .. bfd.RcvAuthSeq + 3 * Detect Mult (a replay of the last
 * number is refused). Detect Mult is taken from the received packet: the window bounds how many
 * of the sender's packets can be lost inside one detection time.
 */
export function sequenceInWindow(
  received: number,
  lastAccepted: number,
  detectMult: number,
  meticulous: boolean,
): boolean {
  const ahead = (received - lastAccepted) >>> 0;
  const lo = meticulous ? 1 : 0;
  return ahead >= lo && ahead <= 3 * detectMult;
}
