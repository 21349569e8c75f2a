/**
 * Test helper: reads the BFD fields out of tcpdump's expected output (`.out`, one-line or
 * `-v`), per frame number, so decoded packets can be compared field by field.
 */

export interface TcpdumpBfdFrame {
  number: number;
  /** Control, Multihop, LAG, S-BFD, Echo. */
  kind?: string;
  state?: string;
  flags?: string[];
  length?: number;
  diagnostic?: number;
  detectMult?: number;
  detectionTimeMs?: number;
  myDiscriminator?: number;
  yourDiscriminator?: number;
  desiredMinTxMs?: number;
  requiredMinRxMs?: number;
  requiredMinEchoRxMs?: number;
  authType?: number;
  authLength?: number;
  authKeyId?: number;
  authSequence?: number;
  password?: string;
  digestHex?: string;
}

const FRAME_START = /^\s*(\d+)\s+\d{4}-\d\d-\d\d /;

export function parseTcpdumpBfd(text: string): TcpdumpBfdFrame[] {
  const frames: TcpdumpBfdFrame[] = [];
  let cur: TcpdumpBfdFrame | undefined;
  for (const line of text.split('\n')) {
    const start = FRAME_START.exec(line);
    if (start) {
      cur = { number: Number(start[1]) };
      frames.push(cur);
    }
    if (!cur) continue;
    let m = /BFDv1, (Control|Multihop|LAG|S-BFD|Echo), State (\w+), Flags: \[([^\]]*)\]/.exec(line);
    if (!m)
      m = /^\s+(Control|Multihop|LAG|S-BFD|Echo), State (\w+), Flags: \[([^\]]*)\]/.exec(line);
    if (m) {
      cur.kind = m[1];
      cur.state = m[2];
      cur.flags = m[3] === 'none' ? [] : m[3]!.split(', ');
    }
    if ((m = /BFDv1, .*length: (\d+)$/.exec(line)) || (m = /BFDv1, length: (\d+)$/.exec(line))) {
      cur.length = Number(m[1]);
    }
    if ((m = /Diagnostic: .*\(0x([0-9a-f]+)\)/.exec(line))) cur.diagnostic = parseInt(m[1]!, 16);
    if ((m = /Detection Timer Multiplier: (\d+) \((\d+) ms Detection time\)/.exec(line))) {
      cur.detectMult = Number(m[1]);
      cur.detectionTimeMs = Number(m[2]);
    }
    if ((m = /My Discriminator: 0x([0-9a-f]+), Your Discriminator: 0x([0-9a-f]+)/.exec(line))) {
      cur.myDiscriminator = parseInt(m[1]!, 16);
      cur.yourDiscriminator = parseInt(m[2]!, 16);
    }
    if ((m = /Desired min Tx Interval:\s+(\d+) ms/.exec(line))) cur.desiredMinTxMs = Number(m[1]);
    if ((m = /Required min Rx Interval:\s+(\d+) ms/.exec(line))) cur.requiredMinRxMs = Number(m[1]);
    if ((m = /Required min Echo Interval:\s+(\d+) ms/.exec(line))) {
      cur.requiredMinEchoRxMs = Number(m[1]);
    }
    if ((m = /Authentication: .* \((\d+)\), length: (\d+)/.exec(line))) {
      cur.authType = Number(m[1]);
      cur.authLength = Number(m[2]);
    }
    if ((m = /Auth Key ID: (\d+), Sequence Number: 0x([0-9a-f]+)/.exec(line))) {
      cur.authKeyId = Number(m[1]);
      cur.authSequence = parseInt(m[2]!, 16);
    }
    if ((m = /Auth Key ID: (\d+), Password: (.*)$/.exec(line))) {
      cur.authKeyId = Number(m[1]);
      cur.password = m[2];
    }
    if ((m = /(?:Digest|Hash): ([0-9a-f]+)/.exec(line))) cur.digestHex = m[1];
  }
  return frames;
}
