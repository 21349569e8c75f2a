#!/usr/bin/env node
/**
 * The speakersim command line: thin yargs wrappers over the library (no protocol logic here).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { validateScenarioFiles } from '../scenario/load.js';
import { parseDuration } from '../scenario/duration.js';
import type { Backend, ClockMode } from '../scenario/types.js';
import { runApiServer } from '../k8s/main.js';
import { consoleOutput, style } from './output.js';
import { runCommand } from './run.js';
import {
  FAULT_NAMES,
  injectCommand,
  labDownCommand,
  labStatusCommand,
  labUpCommand,
  type FaultName,
} from './lab.js';
import { speakerCommand } from './speaker.js';

const out = consoleOutput();
const BACKENDS = ['builtin', 'netns', 'compose'] as const;

function exit(code: number): void {
  process.exitCode = code;
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
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
            describe: 'write every BGP message sent and received as a pcap file',
          })
          .option('frr-k8s-namespace', {
            type: 'string',
            describe:
              'namespace of BGPSessionStates (default openshift-frr-k8s, as the seed shows)',
          })
          .option('poll-session-state', {
            type: 'string',
            describe:
              'write BGPSessionState every DURATION like frr-k8s (e.g. 2m) instead of on every change',
          })
          .option('seed', { type: 'number', describe: 'random seed for virtual-time runs' })
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
        let poll: number | undefined;
        if (a.pollSessionState !== undefined) {
          const d = parseDuration(a.pollSessionState);
          if (d === undefined)
            throw new Error(
              `--poll-session-state: expected a duration like 2m, got ${a.pollSessionState}`,
            );
          poll = d;
        }
        exit(
          await runCommand(
            {
              files: a.files as string[],
              ...(a.backend ? { backend: a.backend as Backend } : {}),
              ...(a.clock ? { clock: a.clock as ClockMode } : {}),
              ...(a.junit ? { junit: a.junit } : {}),
              ...(a.json ? { json: a.json } : {}),
              ...(a.report ? { report: a.report } : {}),
              ...(a.pcap ? { pcap: a.pcap } : {}),
              ...(a.frrK8sNamespace ? { frrK8sNamespace: a.frrK8sNamespace } : {}),
              ...(poll !== undefined ? { pollSessionState: poll } : {}),
              ...(a.seed !== undefined ? { seed: a.seed } : {}),
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
          .example('$0 validate scenarios/*.yaml', 'check every shipped scenario'),
      async (a) => {
        const results = await validateScenarioFiles(a.files as string[]);
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
              .option('detach', {
                type: 'boolean',
                default: false,
                describe: 'return once the lab is up; it keeps running in the background',
              })
              .example(
                'sudo $0 lab up scenarios/seed-bgp-session-state.yaml --backend netns',
                'real FRR; prints the kubeconfig and vtysh commands',
              )
              .example(
                'sudo $0 lab up scenarios/seed-bgp-session-state.yaml --backend compose --detach',
                'FRR containers; back to the prompt once the lab is up',
              ),
          async (a) =>
            exit(
              await labUpCommand(
                a.scenario!,
                {
                  ...(a.backend ? { backend: a.backend as Backend } : {}),
                  ...(a.frrK8sNamespace ? { frrK8sNamespace: a.frrK8sNamespace } : {}),
                  detach: a.detach,
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
          async (a) => exit(await labDownCommand(a.name, { force: a.force }, out)),
        )
        .command(
          'status [name]',
          "Show a running lab's sessions and kubeconfig",
          (yy) =>
            yy
              .positional('name', { type: 'string' })
              .example('$0 lab status', 'the only running lab'),
          async (a) => exit(await labStatusCommand(a.name, out)),
        )
        .demandCommand(1, 'lab needs a subcommand: up, down or status'),
    )
    .command(
      'inject <fault>',
      'Break something in a running lab',
      (y) =>
        y
          .positional('fault', { choices: FAULT_NAMES, demandOption: true })
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
          await injectCommand(
            a.fault as FaultName,
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
          .option('token', { type: 'string' })
          .option('tls', { type: 'boolean', default: false })
          .example(
            '$0 apiserver --port 6443 --kubeconfig ./kubeconfig',
            'then: KUBECONFIG=./kubeconfig kubectl get ns',
          ),
      async (a) => {
        const args = ['--port', String(a.port)];
        if (a.dataDir) args.push('--data-dir', a.dataDir);
        if (a.kubeconfig) args.push('--kubeconfig', a.kubeconfig);
        if (a.token) args.push('--token', a.token);
        if (a.tls) args.push('--tls');
        for (const ns of ['metallb-system', 'openshift-frr-k8s', 'frr-k8s-system'])
          args.push('--namespace', ns);
        await runApiServer(args);
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
          .example(
            '$0 speaker --config examples/speaker.yaml',
            'peer with the routers it lists and advertise its routes',
          ),
      async (a) => exit(await speakerCommand(a.config, out)),
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
