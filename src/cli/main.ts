#!/usr/bin/env node
/**
 * The speakersim command line: thin yargs wrappers over the library (no protocol logic here).
 */
import type { FrrMetricsNames } from '../metallb/metrics.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseDuration } from '../scenario/duration.js';
import type { Backend, ClockMode } from '../scenario/types.js';
import { consoleOutput, style } from './output.js';
import { parseUiPort } from '../ui/port.js';

// Start-up time: every command's module (and with it @kubernetes/client-node, ajv, the
// runner) is imported when that command runs, so `--help` and `inject` load only yargs
// (test/cli/startup.test.ts checks the static imports; npm run bench:cli times it).
const argv = hideBin(process.argv);
// `inject`'s fault names come from the action registry; only `inject` pays for loading it.
const INJECT_NAMES: readonly string[] =
  argv[0] === 'inject' ? (await import('../scenario/registry/actions.js')).INJECT_NAMES : [];

const UI_OPTION = {
  type: 'string',
  describe: 'serve the live view on 127.0.0.1 (a free port, or the one given) and print its URL',
} as const;

/** `run` and `lab up`: an existing cluster that gets the status CRs too (issue 14). */
const KUBECONFIG_OPTION = {
  type: 'string',
  describe:
    'also write the status CRs (BGPSessionState, ServiceBGPStatus, ...) into this existing cluster (kubectl apply -f crds/ there first)',
} as const;

const out = consoleOutput();
const BACKENDS = ['builtin', 'netns', 'compose'] as const;

/** Scenarios read only files in their own folder unless this is given (issue 15). */
const ALLOW_OUTSIDE_FILES = {
  type: 'boolean',
  default: false,
  describe: 'let scenarios name files outside their own folder (refused by default)',
} as const;

/** `--poll-session-state 2m` in ms (undefined when not given); a bad duration is a usage error. */
function pollOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const d = parseDuration(value);
  if (d === undefined)
    throw new Error(`--poll-session-state: expected a duration like 2m, got ${value}`);
  return d;
}

const POLL_OPTION = {
  type: 'string',
  describe:
    "write BGPSessionState every DURATION like frr-k8s (e.g. 2m) instead of on every change; default: the scenario's pollSessionState",
} as const;

function exit(code: number): void {
  process.exitCode = code;
}

async function main(): Promise<void> {
  await yargs(argv)
    .scriptName('speakersim')
    .usage(
      '$0 <command> [options]\n\nA BGP + BFD speaker and test harness that plays MetalLB against real or builtin routers.',
    )
    .command(
      'run <files..>',
      'Run scenario files; exit 0 when all pass, 1 otherwise',
      (y) =>
        y
          .positional('files', {
            type: 'string',
            array: true,
            demandOption: true,
            describe: 'scenario YAML files',
          })
          .option('backend', {
            choices: BACKENDS,
            describe:
              "peers: builtin (no root), netns (FRR in namespaces), compose; default: the file's",
          })
          .option('clock', {
            choices: ['virtual', 'real'] as const,
            describe: "virtual time needs builtin peers; default: the file's",
          })
          .option('junit', { type: 'string', describe: 'write a JUnit XML report' })
          .option('json', { type: 'string', describe: 'write the timeline as JSON lines' })
          .option('report', { type: 'string', describe: 'write a self-contained HTML report' })
          .option('pcap', {
            type: 'string',
            describe:
              'write every BGP message and BFD packet as a pcap file, one per scenario (run.pcap -> run.<scenario>.pcap; a directory -> dir/<scenario>.pcap)',
          })
          .option('frr-k8s-namespace', {
            type: 'string',
            describe:
              'namespace of BGPSessionStates (default openshift-frr-k8s, as the seed shows)',
          })
          .option('poll-session-state', POLL_OPTION)
          .option('seed', { type: 'number', describe: 'random seed for virtual-time runs' })
          .option('allow-outside-files', ALLOW_OUTSIDE_FILES)
          .option('ui', UI_OPTION)
          .option('kubeconfig', KUBECONFIG_OPTION)
          .option('frr-metrics', {
            choices: ['metallb', 'frrk8s'],
            describe:
              "names of the BGP/BFD metrics: MetalLB's FRR sidecar (metallb_*) or frr-k8s (frrk8s_*)",
          })
          .example(
            '$0 run scenarios/bfd-down-recovery.yaml',
            'builtin peers, virtual time: no root, no FRR',
          )
          .example(
            'sudo $0 run --backend netns scenarios/*.yaml --junit out.xml',
            'against real FRR in network namespaces, JUnit for CI',
          )
          .example(
            '$0 run scenarios/seed-bgp-session-state.yaml --report report.html --pcap run.pcap',
            'HTML timeline and a capture for Wireshark',
          ),
      async (a) => {
        const poll = pollOption(a.pollSessionState);
        exit(
          await (
            await import('./run.js')
          ).runCommand(
            {
              files: a.files as string[],
              ...(a.backend ? { backend: a.backend as Backend } : {}),
              ...(a.clock ? { clock: a.clock as ClockMode } : {}),
              ...(a.junit ? { junit: a.junit } : {}),
              ...(a.json ? { json: a.json } : {}),
              ...(a.report ? { report: a.report } : {}),
              ...(a.pcap ? { pcap: a.pcap } : {}),
              ...(a.metrics !== undefined ? { metricsPort: a.metrics } : {}),
              ...(a.frrK8sNamespace ? { frrK8sNamespace: a.frrK8sNamespace } : {}),
              ...(poll !== undefined ? { pollSessionState: poll } : {}),
              ...(a.frrMetrics ? { frrMetrics: a.frrMetrics as FrrMetricsNames } : {}),
              ...(a.seed !== undefined ? { seed: a.seed } : {}),
              allowOutsideFiles: a.allowOutsideFiles,
              ui: parseUiPort(a.ui),
              ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}),
            },
            out,
          ),
        );
      },
    )
    .command(
      'validate <files..>',
      'Check scenario files; errors name file:line:col and what was expected',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, demandOption: true })
          .option('allow-outside-files', ALLOW_OUTSIDE_FILES)
          .example('$0 validate scenarios/*.yaml', 'check every shipped scenario'),
      async (a) => {
        const { validateScenarioFiles } = await import('../scenario/load.js');
        const results = await validateScenarioFiles(a.files as string[], {
          allowOutsideFiles: a.allowOutsideFiles,
        });
        let bad = 0;
        for (const r of results) {
          if (r.errors.length === 0) out.line(`${style.green('ok')} ${r.file}`);
          for (const e of r.errors) out.error(e.message);
          if (r.errors.length) bad++;
        }
        exit(bad ? 1 : 0);
      },
    )
    .command('lab', 'Keep a lab running for a class: up, down, status', (y) =>
      y
        .command(
          'up <scenario>',
          "Start the scenario's routers, nodes, API server and resources (not its steps) and keep them up",
          (yy) =>
            yy
              .positional('scenario', { type: 'string', demandOption: true })
              .option('backend', { choices: BACKENDS })
              .option('frr-k8s-namespace', { type: 'string' })
              .option('allow-outside-files', ALLOW_OUTSIDE_FILES)
              .option('poll-session-state', POLL_OPTION)
              .option('ui', UI_OPTION)
              .option('detach', {
                type: 'boolean',
                default: false,
                describe: 'return once the lab is up; it keeps running in the background',
              })
              .option('kubeconfig', KUBECONFIG_OPTION)
              .option('name', {
                type: 'string',
                describe:
                  "the lab's name (default: the scenario's topology.lab); two names, two labs",
              })
              .option('relocate', {
                type: 'boolean',
                describe:
                  "move the scenario's addresses to free blocks of 198.18.0.0/15 and 2001:db8::/32 (default: only when another lab or the host uses them; --no-relocate: refuse then)",
              })
              .example(
                '$0 lab up scenarios/bfd-down-recovery.yaml --ui',
                'builtin routers in real time, with the live view in the browser',
              )
              .example(
                'sudo $0 lab up scenarios/seed-bgp-session-state.yaml --backend netns',
                'real FRR; prints the kubeconfig and vtysh commands',
              )
              .example(
                'sudo $0 lab up scenarios/seed-bgp-session-state.yaml --backend compose --detach',
                'FRR containers; back to the prompt once the lab is up',
              )
              .example(
                'sudo $0 lab up scenarios/bfd-down-recovery.yaml --backend netns --name b --detach',
                'the same scenario again beside a running one, on addresses of its own',
              ),
          async (a) =>
            exit(
              await (
                await import('./lab.js')
              ).labUpCommand(
                a.scenario!,
                {
                  ...(a.backend ? { backend: a.backend as Backend } : {}),
                  ...(a.frrK8sNamespace ? { frrK8sNamespace: a.frrK8sNamespace } : {}),
                  allowOutsideFiles: a.allowOutsideFiles,
                  ...(a.pollSessionState !== undefined
                    ? { sessionStatePollMs: pollOption(a.pollSessionState)! }
                    : {}),
                  ui: parseUiPort(a.ui),
                  detach: a.detach,
                  ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}),
                  ...(a.name !== undefined ? { name: a.name } : {}),
                  ...(a.relocate !== undefined ? { relocate: a.relocate } : {}),
                },
                out,
              ),
            ),
        )
        .command(
          'down [name]',
          'Stop a running lab (the only one when no name is given; with --force also remove the leftovers of a crashed one)',
          (yy) =>
            yy
              .positional('name', { type: 'string' })
              .option('force', { type: 'boolean', default: false })
              .example('sudo $0 lab down --force', 'sweep everything a crashed lab left'),
          async (a) =>
            exit(await (await import('./lab.js')).labDownCommand(a.name, { force: a.force }, out)),
        )
        .command(
          'status [name]',
          "Show a running lab's sessions and kubeconfig",
          (yy) =>
            yy
              .positional('name', { type: 'string' })
              .option('watch', {
                alias: 'w',
                type: 'boolean',
                default: false,
                describe: 'keep printing a line per session change (BGP and BFD), like kubectl -w',
              })
              .example('$0 lab status', 'the only running lab')
              .example('$0 lab status --watch', 'follow BGP and BFD state changes'),
          async (a) =>
            exit(
              await (await import('./lab.js')).labStatusCommand(a.name, out, { watch: a.watch }),
            ),
        )
        .demandCommand(1, 'lab needs a subcommand: up, down or status'),
    )
    .command(
      'inject <fault>',
      'Break something in a running lab',
      (y) =>
        y
          .positional('fault', { choices: INJECT_NAMES, demandOption: true })
          .option('lab', { type: 'string', describe: 'lab name (default: the running one)' })
          .option('router', { type: 'string', describe: 'router name (default r1)' })
          .option('node', { type: 'string', describe: 'limit to one node' })
          .option('daemon', { choices: ['bgpd', 'bfdd', 'zebra'] as const })
          .option('command', { type: 'string', array: true, describe: 'vtysh command(s)' })
          .example(
            '$0 inject drop-bfd --router r1',
            'BFD Down within detect x interval, BGP follows',
          )
          .example('$0 inject kill --router r1 --daemon bgpd', 'router crash')
          .example(
            "$0 inject vtysh --router r1 --command 'configure terminal' --command 'router bgp 64500' --command 'neighbor 198.18.0.101 shutdown'",
            'administrative shutdown',
          ),
      async (a) =>
        exit(
          await (
            await import('./lab.js')
          ).injectCommand(
            a.fault as string,
            {
              ...(a.lab ? { lab: a.lab } : {}),
              ...(a.router ? { router: a.router } : {}),
              ...(a.node ? { node: a.node } : {}),
              ...(a.daemon ? { daemon: a.daemon } : {}),
              ...(a.command ? { command: a.command as string[] } : {}),
            },
            out,
          ),
        ),
    )
    .command(
      'apiserver',
      'Run the envtest-like Kubernetes API server alone (kubeconfig path printed as JSON)',
      (y) =>
        y
          .option('port', { type: 'number', default: 0 })
          .option('data-dir', {
            type: 'string',
            describe: 'durable store: every write is fsynced before it is acknowledged',
          })
          .option('kubeconfig', { type: 'string' })
          .option('token-file', {
            type: 'string',
            describe:
              'require this bearer token (first line of the file; or SPEAKERSIM_API_TOKEN): never on the command line, where ps shows it',
          })
          .option('tls', { type: 'boolean', default: false })
          .example(
            '$0 apiserver --port 6443 --kubeconfig ./kubeconfig',
            'then: KUBECONFIG=./kubeconfig kubectl get ns',
          ),
      async (a) => {
        const args = ['--port', String(a.port)];
        if (a.dataDir) args.push('--data-dir', a.dataDir);
        if (a.kubeconfig) args.push('--kubeconfig', a.kubeconfig);
        if (a.tokenFile) args.push('--token-file', a.tokenFile);
        if (a.tls) args.push('--tls');
        for (const ns of ['metallb-system', 'openshift-frr-k8s', 'frr-k8s-system'])
          args.push('--namespace', ns);
        await (await import('../k8s/main.js')).runApiServer(args);
        await new Promise(() => undefined);
      },
    )
    .command(
      'speaker',
      'Run one standalone speaker that peers with any router',
      (y) =>
        y
          .option('config', {
            type: 'string',
            demandOption: true,
            describe: 'speaker YAML (see examples/speaker.yaml)',
          })
          .option('shutdown-message', {
            type: 'string',
            default: 'speakersim speaker stopped',
            describe:
              'RFC 9003 shutdown communication in the Cease/2 sent on Ctrl-C; --no-shutdown-message sends none',
          })
          .option('kubeconfig', {
            type: 'string',
            describe:
              'keep a BGPSessionState per peer in this existing cluster (its CRD applied: kubectl apply -f crds/), deleted on stop',
          })
          .option('frr-k8s-namespace', {
            type: 'string',
            describe: 'namespace of those BGPSessionStates (default openshift-frr-k8s, as run)',
          })
          .option('pcap', {
            type: 'string',
            describe: 'on stop, write every BGP message and BFD packet to this pcap file',
          })
          .option('metrics', {
            type: 'number',
            describe:
              "serve /metrics on 127.0.0.1 at this port (0: a free one), frr-k8s's per-peer series incl. received prefixes",
          })
          .example(
            '$0 speaker --config examples/speaker.yaml',
            'peer with the routers it lists and advertise its routes',
          )
          .example(
            '$0 speaker --config examples/speaker.yaml --kubeconfig ~/.kube/config',
            'and show its sessions in kubectl get bgpsessionstates -A -o wide',
          ),
      async (a) => {
        // yargs turns --no-shutdown-message into false.
        const message = a.shutdownMessage as string | false | undefined;
        return exit(
          await (
            await import('./speaker.js')
          ).speakerCommand(a.config, out, {
            shutdownMessage: message === false ? '' : message,
            ...(a.kubeconfig ? { kubeconfig: a.kubeconfig } : {}),
            ...(a.frrK8sNamespace ? { namespace: a.frrK8sNamespace } : {}),
            ...(a.pcap ? { pcap: a.pcap } : {}),
          }),
        );
      },
    )
    .demandCommand(1, 'name a command; see --help')
    .strict()
    .help()
    .fail((msg, err, y) => {
      if (err) {
        out.error(`speakersim: ${err.message}`);
      } else {
        out.error(y.help().toString());
        out.error(msg);
      }
      process.exit(2);
    })
    .parseAsync();
}

main().catch((e: unknown) => {
  out.error(`speakersim: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
