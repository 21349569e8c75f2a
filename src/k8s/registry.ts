import { BUILTIN_TYPES } from './builtin-types.js';
import type { KubeObject, OpenApiSchema, PrinterColumn, ResourceType } from './resource-type.js';
import { isRecord } from './resource-type.js';

/**
 * The set of served resources: the builtin kinds plus one ResourceType per served version of
 * every stored CustomResourceDefinition. Rebuilt whenever a CRD is written, so a kind is
 * served as soon as its CRD exists (the real server takes a moment; tests need "at once").
 */
export class ResourceRegistry {
  private types: ResourceType[] = [...BUILTIN_TYPES];

  all(): ResourceType[] {
    return this.types;
  }

  /** Replaces the custom types with those derived from `crds`. Bad CRDs are skipped. */
  setCustomResourceDefinitions(crds: KubeObject[]): void {
    const custom: ResourceType[] = [];
    for (const crd of crds) custom.push(...typesFromCrd(crd));
    this.types = [...BUILTIN_TYPES, ...custom];
  }

  /** The resource served at group/version with this plural name. */
  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find(
      (t) => t.group === group && t.version === version && t.plural === plural,
    );
  }

  findKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** Group names in the order discovery lists them ('' = core). */
  groups(): string[] {
    const seen: string[] = [];
    for (const t of this.types) if (!seen.includes(t.group)) seen.push(t.group);
    return seen;
  }

  /** Versions of a group, preferred first: by Kubernetes version priority (v1beta2 > v1beta1). */
  versions(group: string): string[] {
    const versions = [
      ...new Set(this.types.filter((t) => t.group === group).map((t) => t.version)),
    ];
    return versions.sort((a, b) => compareKubeVersions(b, a));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.version === version);
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
}

function typesFromCrd(crd: KubeObject): ResourceType[] {
  const spec = crd['spec'];
  if (!isRecord(spec) || !isRecord(spec['names']) || !Array.isArray(spec['versions'])) return [];
  const names = spec['names'];
  const group = typeof spec['group'] === 'string' ? spec['group'] : '';
  const kind = String(names['kind'] ?? '');
  const plural = String(names['plural'] ?? '');
  if (!group || !kind || !plural) return [];
  const versions = spec['versions'].filter(isRecord);
  const storage = versions.find((v) => v['storage'] === true)?.['name'];
  const out: ResourceType[] = [];
  for (const v of versions) {
    if (v['served'] === false || typeof v['name'] !== 'string') continue;
    const schemaHolder = v['schema'];
    const schema =
      isRecord(schemaHolder) && isRecord(schemaHolder['openAPIV3Schema'])
        ? (schemaHolder['openAPIV3Schema'] as OpenApiSchema)
        : undefined;
    const subresources = v['subresources'];
    const columns = Array.isArray(v['additionalPrinterColumns'])
      ? (v['additionalPrinterColumns'].filter(isRecord) as unknown as PrinterColumn[])
      : [];
    const type: ResourceType = {
      group,
      version: v['name'],
      kind,
      listKind: String(names['listKind'] ?? `${kind}List`),
      plural,
      singular: String(names['singular'] ?? kind.toLowerCase()),
      shortNames: Array.isArray(names['shortNames']) ? names['shortNames'].map(String) : [],
      categories: Array.isArray(names['categories']) ? names['categories'].map(String) : [],
      namespaced: spec['scope'] !== 'Cluster',
      statusSubresource: isRecord(subresources) && isRecord(subresources['status']),
      printerColumns: columns,
      storageVersion: typeof storage === 'string' ? storage : v['name'],
      builtin: false,
    };
    if (schema) type.schema = schema;
    if (Array.isArray(v['selectableFields'])) {
      type.selectableFields = v['selectableFields']
        .filter(isRecord)
        .map((f) => String(f['jsonPath'] ?? '').replace(/^\./, ''))
        .filter((f) => f);
    }
    if (typeof v['deprecationWarning'] === 'string') {
      type.deprecationWarning = v['deprecationWarning'];
    }
    out.push(type);
  }
  return out;
}
