import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { Address4, Address6 } from 'ip-address';
import { stringify } from 'yaml';
import { LabDaemonStartError, LabPrerequisiteError, LabTopologyError } from './errors.js';
import { run, runSync } from './exec.js';
import { bridgeName, labRunDir, routerNamespace } from './names.js';
import { bridgeFloodStep, nodePortSteps } from './netns.js';
import { renderRouterFiles } from './render.js';
import type { LabTopology, SegmentSpec } from './topology.js';
import { canonicalAddress, prefixLength, usedSegmentPrefixes } from './topology.js';

/**
 * The compose form of a lab: the same LabTopology becomes a generated compose project, one FRR
 * container per router with the same rendered frr/ files, one `internal` docker network per
 * segment on a bridge named like the netns lab's (`bridgeName`), so speakersim's nodes hold
 * their addresses on that bridge in the host namespace and reach the routers directly, as in
 * the netns lab. Docker puts its gateway address on the bridge and a default route into each
 * container; the lab deletes those routes so that a router reaches nothing but its segments.
 * Faults run in a container's network namespace from the host (`nsenter -n`, the host's nft
 * and ip), and FRR's daemons are driven by frr/speakersim-frr.sh inside the container.
 * Works with compose v2 (`docker compose`) and v1 (`docker-compose`, which rejects a top-level
 * `name:`: the project name goes on the command line).
 */

/** Built by .ci/run or frr/README.md from frr/Dockerfile; SPEAKERSIM_FRR_IMAGE overrides. */
export const DEFAULT_FRR_IMAGE = 'speakersim/frr:8.4';
export const FRR_HELPER = fileURLToPath(new URL('../../frr/speakersim-frr.sh', import.meta.url));
/** Docker label on every container and network of a lab: the sweep after a crash uses it. */
export const LAB_LABEL = 'speakersim.lab';
const HELPER_IN_CONTAINER = '/usr/local/sbin/speakersim-frr';
const READY_FILE = '/var/run/frr/speakersim-ready';

export function frrImage(): string {
  return process.env.SPEAKERSIM_FRR_IMAGE || DEFAULT_FRR_IMAGE;
}

export function composeProjectName(lab: string): string {
  return `ssim-${lab}`;
}

export function containerName(lab: string, router: string): string {
  return routerNamespace(lab, router);
}

export function composeDir(lab: string, runRoot: string): string {
  return join(labRunDir(lab, runRoot), 'compose');
}

/**
 * The segment's address for Docker's gateway (Docker insists on one and puts it on the bridge):
 * the highest host address of the prefix that no router or node uses.
 */
export function gatewayFor(t: LabTopology, prefix: string): string {
  const v6 = prefix.includes(':');
  const used = new Set(
    [...t.routers.flatMap((r) => r.interfaces), ...t.nodes]
      .flatMap((x) => [x.ipv4, x.ipv6])
      .filter((a): a is string => a !== undefined)
      .map(canonicalAddress),
  );
  const net = v6 ? new Address6(prefix) : new Address4(prefix);
  const first = net.startAddress().bigInt();
  // IPv4: skip the broadcast address; IPv6 has none, but Docker refuses the last one as well.
  for (let a = net.endAddress().bigInt() - 1n; a > first; a--) {
    const text = v6 ? Address6.fromBigInt(a).correctForm() : Address4.fromBigInt(a).correctForm();
    if (!used.has(text)) return text;
  }
  throw new LabTopologyError(prefix, 'no free address left for the docker network gateway');
}

function networkKey(segment: SegmentSpec): string {
  return segment.name;
}

/** The compose project of a topology (a plain object; `writeComposeProject` writes it). */
export function composeProject(
  t: LabTopology,
  options: { configDir: string; image?: string; helper?: string },
): Record<string, unknown> {
  const labels = { [LAB_LABEL]: t.name };
  const networks = Object.fromEntries(
    t.segments.map((s, si) => [
      networkKey(s),
      {
        name: `${composeProjectName(t.name)}-${s.name}`,
        driver: 'bridge',
        // No uplink and never-routed subnets only (the same rule as the netns lab).
        internal: true,
        enable_ipv6: usedSegmentPrefixes(t, s).some((p) => p.includes(':')),
        driver_opts: { 'com.docker.network.bridge.name': bridgeName(t.name, si) },
        labels,
        ipam: {
          config: usedSegmentPrefixes(t, s).map((subnet) => ({
            subnet,
            gateway: gatewayFor(t, subnet),
          })),
        },
      },
    ]),
  );
  const services = Object.fromEntries(
    t.routers.map((r) => [
      r.name,
      {
        image: options.image ?? frrImage(),
        container_name: containerName(t.name, r.name),
        hostname: r.name,
        // docker-init reaps what a fault kills, so a killed daemon's pid really goes away.
        init: true,
        command: [HELPER_IN_CONTAINER, 'run'],
        labels: {
          ...labels,
          'speakersim.lab/router': r.name,
          'speakersim.lab/asn': String(r.asn),
          'speakersim.lab/router-id': r.routerId,
        },
        // zebra and bfdd manage routes and raw sockets inside the container.
        cap_add: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'],
        sysctls: {
          'net.ipv6.conf.all.disable_ipv6': 0,
          'net.ipv6.conf.all.accept_dad': 0,
          'net.ipv6.conf.default.accept_dad': 0,
          'net.ipv6.conf.all.forwarding': 1,
          'net.ipv4.ip_forward': 1,
        },
        volumes: [
          `${join(options.configDir, r.name)}:/etc/frr:ro`,
          `${options.helper ?? FRR_HELPER}:${HELPER_IN_CONTAINER}:ro`,
        ],
        networks: Object.fromEntries(
          r.interfaces.map((itf) => {
            const seg = t.segments.find((s) => s.name === itf.segment)!;
            return [
              networkKey(seg),
              {
                ...(itf.ipv4 ? { ipv4_address: itf.ipv4 } : {}),
                ...(itf.ipv6 ? { ipv6_address: itf.ipv6 } : {}),
              },
            ];
          }),
        ),
      },
    ]),
  );
  return { services, networks };
}

/** Writes compose.yaml and each router's rendered FRR files under `dir`; returns the file. */
export function writeComposeProject(t: LabTopology, dir: string, image?: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const r of t.routers) {
    const rdir = join(dir, r.name);
    mkdirSync(rdir, { recursive: true, mode: 0o755 });
    const files = renderRouterFiles(t, r);
    // Read by frr (uid of the image) inside the container: world-readable, as in /etc/frr.
    for (const name of ['frr.conf', 'daemons', 'vtysh.conf'] as const) {
      writeFileSync(join(rdir, name), files[name], { mode: 0o644 });
    }
  }
  const file = join(dir, 'compose.yaml');
  const header = `# speakersim lab ${t.name}: generated from its topology (src/lab/compose.ts)\n`;
  writeFileSync(
    file,
    header + stringify(composeProject(t, { configDir: dir, ...(image ? { image } : {}) })),
  );
  return file;
}

/** How compose is run here: v2 plugin (`docker compose`) or v1 (`docker-compose`). */
export interface ComposeCli {
  argv: string[];
  version: 1 | 2;
}

let cachedCli: ComposeCli | undefined;

/**
 * Which compose to run, given `answers(argv)`: does that `... version` exit 0. The v2 plugin
 * (`docker compose`) when Docker has it, else v1 (`docker-compose`), else neither.
 */
export function selectComposeCli(answers: (argv: string[]) => boolean): ComposeCli {
  if (answers(['docker', 'compose', 'version'])) return { argv: ['docker', 'compose'], version: 2 };
  if (answers(['docker-compose', 'version'])) return { argv: ['docker-compose'], version: 1 };
  throw new LabPrerequisiteError(
    'the compose backend needs `docker compose` (v2) or `docker-compose` (v1)',
  );
}

export function composeCli(): ComposeCli {
  cachedCli ??= selectComposeCli(
    (argv) => runSync(argv, { allowFailure: true, timeoutMs: 10_000 }).code === 0,
  );
  return cachedCli;
}

/** Why the compose backend cannot run here (undefined when it can). */
export function composeUnavailable(image = frrImage()): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the compose lab needs root (node addresses on the docker bridge, faults via nsenter)';
  }
  const server = runSync(['docker', 'version', '--format', '{{.Server.Version}}'], {
    allowFailure: true,
    timeoutMs: 10_000,
  });
  if (server.code !== 0) {
    return `no Docker engine answers (docker version: ${(server.stderr || 'exit ' + String(server.code)).trim().split('\n')[0]}); set DOCKER_HOST`;
  }
  try {
    composeCli();
  } catch (e) {
    return (e as Error).message;
  }
  const img = runSync(['docker', 'image', 'inspect', '--format', '{{.Id}}', image], {
    allowFailure: true,
    timeoutMs: 10_000,
  });
  if (img.code !== 0) {
    return `image ${image} is missing: build it (frr/README.md) or set SPEAKERSIM_FRR_IMAGE`;
  }
  return undefined;
}

export function checkComposePrerequisites(image = frrImage()): void {
  const why = composeUnavailable(image);
  if (why) throw new LabPrerequisiteError(why);
}

/**
 * A compose command for the lab's project: the project name on the command line (v1 refuses a
 * top-level `name:`), then the file; both versions take this shape.
 */
export function composeArgv(
  lab: string,
  file: string,
  args: string[],
  cli: ComposeCli = composeCli(),
): string[] {
  return [...cli.argv, '-p', composeProjectName(lab), '-f', file, ...args];
}

/** The container's init pid on the host, for `nsenter -t <pid> -n`. */
export async function containerPid(lab: string, router: string): Promise<number> {
  const r = await run([
    'docker',
    'inspect',
    '--format',
    '{{.State.Pid}}',
    containerName(lab, router),
  ]);
  const pid = Number(r.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new LabDaemonStartError(router, 'container', 'is not running', '');
  }
  return pid;
}

export const inContainerNet = (pid: number, argv: readonly string[]): string[] => [
  'nsenter',
  '-t',
  String(pid),
  '-n',
  ...argv,
];

export const inContainer = (lab: string, router: string, argv: readonly string[]): string[] => [
  'docker',
  'exec',
  containerName(lab, router),
  ...argv,
];

async function waitReady(lab: string, router: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run(inContainer(lab, router, ['test', '-e', READY_FILE]), {
      allowFailure: true,
    });
    if (r.code === 0) return;
    const state = await run(
      ['docker', 'inspect', '--format', '{{.State.Status}}', containerName(lab, router)],
      { allowFailure: true },
    );
    const exited = state.code !== 0 || state.stdout.trim() !== 'running';
    if (exited || Date.now() > deadline) {
      const logs = await run(['docker', 'logs', '--tail', '20', containerName(lab, router)], {
        allowFailure: true,
      });
      throw new LabDaemonStartError(
        router,
        'frr',
        exited ? `container ${state.stdout.trim() || 'gone'}` : `not ready within ${timeoutMs} ms`,
        (logs.stdout + logs.stderr).trim(),
      );
    }
    await delay(100);
  }
}

/**
 * Starts the lab's compose project and waits until every router's daemons answer; then removes
 * the default routes Docker gave the containers, puts the nodes' addresses on the bridges and
 * gives each node its own port there (nodePortSteps).
 * Returns each router's container pid.
 */
export async function composeUp(
  t: LabTopology,
  runRoot: string,
  timeoutMs = 60_000,
): Promise<Record<string, number>> {
  const file = writeComposeProject(t, composeDir(t.name, runRoot));
  await run(composeArgv(t.name, file, ['up', '-d', '--no-build']), { timeoutMs: 120_000 });
  const pids: Record<string, number> = {};
  await Promise.all(
    t.routers.map(async (r) => {
      await waitReady(t.name, r.name, timeoutMs);
      const pid = await containerPid(t.name, r.name);
      pids[r.name] = pid;
      // Docker routes `internal` networks through its gateway, which is the host: no uplink.
      for (const family of ['-4', '-6']) {
        await run(inContainerNet(pid, ['ip', family, 'route', 'del', 'default']), {
          allowFailure: true,
        });
      }
    }),
  );
  for (const [si, seg] of t.segments.entries()) {
    const br = bridgeName(t.name, si);
    await run(['sysctl', '-q', '-w', `net.ipv6.conf.${br}.accept_dad=0`], { allowFailure: true });
    // The node ports (their own MACs for L2 announcements) as in the netns lab.
    await run(bridgeFloodStep(br).argv);
    for (const [ni, node] of t.nodes.entries()) {
      if (node.segment !== seg.name) continue;
      for (const step of nodePortSteps(t.name, ni, node.name, br)) await run(step.argv);
    }
    for (const node of t.nodes.filter((n) => n.segment === seg.name)) {
      if (node.ipv4 && seg.ipv4Prefix) {
        await run(['ip', 'addr', 'add', `${node.ipv4}/${prefixLength(seg.ipv4Prefix)}`, 'dev', br]);
      }
      if (node.ipv6 && seg.ipv6Prefix) {
        const cidr = `${node.ipv6}/${prefixLength(seg.ipv6Prefix)}`;
        await run(['ip', '-6', 'addr', 'add', cidr, 'dev', br, 'nodad']);
      }
    }
  }
  return pids;
}

/**
 * Removes every container and network labelled with the lab (synchronous: it also runs from
 * the exit hook). Returns what it removed and what it could not.
 */
export function composeTeardown(lab: string): { removed: string[]; leftovers: string[] } {
  const removed: string[] = [];
  const leftovers: string[] = [];
  const filter = ['--filter', `label=${LAB_LABEL}=${lab}`];
  const ids = (argv: string[]): string[] => {
    const r = runSync(argv, { allowFailure: true, timeoutMs: 20_000 });
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  };
  const containers = ids(['docker', 'ps', '-a', '--format', '{{.Names}}', ...filter]);
  if (containers.length > 0) {
    const r = runSync(['docker', 'rm', '-f', '-v', ...containers], {
      allowFailure: true,
      timeoutMs: 60_000,
    });
    (r.code === 0 ? removed : leftovers).push(...containers.map((c) => `container ${c}`));
  }
  for (const net of ids(['docker', 'network', 'ls', '--format', '{{.Name}}', ...filter])) {
    const r = runSync(['docker', 'network', 'rm', net], { allowFailure: true, timeoutMs: 20_000 });
    (r.code === 0 ? removed : leftovers).push(`network ${net}`);
  }
  return { removed, leftovers };
}

/** Containers and networks of the lab that still exist. */
export function composeLeftovers(lab: string): string[] {
  const filter = ['--filter', `label=${LAB_LABEL}=${lab}`];
  const list = (argv: string[], kind: string): string[] => {
    const r = runSync(argv, { allowFailure: true, timeoutMs: 20_000 });
    return r.code === 0
      ? r.stdout
          .split('\n')
          .filter(Boolean)
          .map((n) => `${kind} ${n}`)
      : [];
  };
  return [
    ...list(['docker', 'ps', '-a', '--format', '{{.Names}}', ...filter], 'container'),
    ...list(['docker', 'network', 'ls', '--format', '{{.Name}}', ...filter], 'network'),
  ];
}
