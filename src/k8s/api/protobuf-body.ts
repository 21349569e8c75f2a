import { ApiStatusError, badRequest } from '../errors.js';

/**
 * Just enough of the Kubernetes protobuf encoding to accept what kubectl's typed generators
 * send (`kubectl create namespace|secret|configmap`): the `k8s\0` + runtime.Unknown envelope
 * and the fields of ObjectMeta, Namespace, Secret and ConfigMap (field numbers from
 * k8s.io/api/core/v1/generated.proto and apimachinery's generated.proto). Other kinds get 415,
 * and kubectl's JSON paths (apply, patch, edit, ...) are unaffected.
 */

type FieldKind = 'string' | 'bytes' | 'varint' | 'bool';
interface FieldSpec {
  name: string;
  kind: FieldKind | MessageSpec;
  repeated?: boolean;
  /** A map<string, V> (repeated entry messages with key = 1, value = 2). */
  map?: 'string' | 'bytes';
}
type MessageSpec = Record<number, FieldSpec>;

const OBJECT_META: MessageSpec = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'generateName', kind: 'string' },
  3: { name: 'namespace', kind: 'string' },
  5: { name: 'uid', kind: 'string' },
  6: { name: 'resourceVersion', kind: 'string' },
  7: { name: 'generation', kind: 'varint' },
  11: { name: 'labels', kind: 'string', map: 'string' },
  12: { name: 'annotations', kind: 'string', map: 'string' },
  14: { name: 'finalizers', kind: 'string', repeated: true },
};

const KINDS: Record<string, MessageSpec> = {
  Namespace: {
    1: { name: 'metadata', kind: OBJECT_META },
    2: { name: 'spec', kind: { 1: { name: 'finalizers', kind: 'string', repeated: true } } },
  },
  Secret: {
    1: { name: 'metadata', kind: OBJECT_META },
    2: { name: 'data', kind: 'bytes', map: 'bytes' },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: 'string', map: 'string' },
    5: { name: 'immutable', kind: 'bool' },
  },
  ConfigMap: {
    1: { name: 'metadata', kind: OBJECT_META },
    2: { name: 'data', kind: 'string', map: 'string' },
    3: { name: 'binaryData', kind: 'bytes', map: 'bytes' },
    4: { name: 'immutable', kind: 'bool' },
  },
};

const TYPE_META: MessageSpec = {
  1: { name: 'apiVersion', kind: 'string' },
  2: { name: 'kind', kind: 'string' },
};
const UNKNOWN: MessageSpec = {
  1: { name: 'typeMeta', kind: TYPE_META },
  2: { name: 'raw', kind: 'bytes' },
};

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw badRequest('truncated protobuf varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw badRequest('protobuf varint too long');
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw badRequest('truncated protobuf field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (this.pos + n > this.buf.length) throw badRequest('truncated protobuf field');
      this.pos += n;
    } else throw badRequest(`unsupported protobuf wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, spec: MessageSpec): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done()) {
    const key = r.varint();
    const field = spec[Math.floor(key / 8)];
    const wireType = key % 8;
    if (!field) {
      r.skip(wireType);
      continue;
    }
    if (field.map) {
      if (wireType !== 2) throw badRequest('protobuf map entry must be length-delimited');
      const entry = decodeMessage(r.bytes(), {
        1: { name: 'key', kind: 'string' },
        2: { name: 'value', kind: field.map },
      });
      const map = (out[field.name] ??= {}) as Record<string, unknown>;
      const value = entry['value'];
      map[String(entry['key'] ?? '')] = Buffer.isBuffer(value)
        ? value.toString('base64')
        : (value ?? '');
      continue;
    }
    let value: unknown;
    if (typeof field.kind === 'object') {
      if (wireType !== 2) throw badRequest('protobuf message field must be length-delimited');
      value = decodeMessage(r.bytes(), field.kind);
    } else if (field.kind === 'string' || field.kind === 'bytes') {
      if (wireType !== 2) throw badRequest('protobuf string field must be length-delimited');
      const b = r.bytes();
      value = field.kind === 'string' ? b.toString('utf8') : Buffer.from(b);
    } else {
      if (wireType !== 0) throw badRequest('protobuf integer field must be a varint');
      const n = r.varint();
      value = field.kind === 'bool' ? n !== 0 : n;
    }
    if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(value);
    else out[field.name] = value;
  }
  return out;
}

/** Decodes a `k8s\0`-framed protobuf body into the JSON object it stands for. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') {
    throw badRequest('protobuf body lacks the k8s envelope');
  }
  const unknown = decodeMessage(body.subarray(4), UNKNOWN);
  const typeMeta = (unknown['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
  const spec = typeMeta.kind ? KINDS[typeMeta.kind] : undefined;
  if (!spec || typeMeta.apiVersion !== 'v1') {
    throw new ApiStatusError(
      415,
      'UnsupportedMediaType',
      `protobuf is accepted for v1 Namespace, Secret and ConfigMap only (got ${String(typeMeta.apiVersion)} ${String(typeMeta.kind)}); send JSON or YAML`,
    );
  }
  const raw = Buffer.isBuffer(unknown['raw']) ? unknown['raw'] : Buffer.alloc(0);
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage(raw, spec) };
}
