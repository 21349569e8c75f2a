import { SpeakersimError } from '../core/errors.js';

/**
 * Typed errors of the lab. Callers and tests branch on `code`, never on message text.
 */

/** The topology model is invalid; `path` points at the offending field (e.g. `routers[0].asn`). */
export class LabTopologyError extends SpeakersimError {
  readonly path: string;

  constructor(path: string, message: string) {
    super('ERR_LAB_TOPOLOGY_INVALID', `${path}: ${message}`);
    this.path = path;
  }
}

/** A child process (`ip`, `nft`, `vtysh`, an FRR daemon) failed or timed out. */
export class LabCommandError extends SpeakersimError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    argv: readonly string[],
    exitCode: number | null,
    stderr: string,
    code = 'ERR_LAB_COMMAND_FAILED',
  ) {
    super(code, `${argv.join(' ')} exited ${exitCode ?? 'by signal/timeout'}: ${stderr.trim()}`);
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** An FRR daemon did not come up in time; carries the tail of its log for the user. */
export class LabDaemonStartError extends SpeakersimError {
  readonly router: string;
  readonly daemon: string;
  readonly logTail: string;

  constructor(router: string, daemon: string, reason: string, logTail: string) {
    super(
      'ERR_LAB_DAEMON_START_FAILED',
      `${router}/${daemon} failed to start: ${reason}\n--- log tail ---\n${logTail}`,
    );
    this.router = router;
    this.daemon = daemon;
    this.logTail = logTail;
  }
}

/** vtysh answered with JSON that does not have the expected shape. */
export class VtyshJsonError extends SpeakersimError {
  readonly command: string;

  constructor(command: string, message: string) {
    super('ERR_LAB_VTYSH_JSON_INVALID', `${command}: ${message}`);
    this.command = command;
  }
}

/** A vtysh command was rejected by FRR (unknown command, daemon not running, ...). */
export class VtyshCommandError extends SpeakersimError {
  readonly commands: readonly string[];
  readonly output: string;

  constructor(commands: readonly string[], output: string) {
    super('ERR_LAB_VTYSH_FAILED', `vtysh ${commands.join(' / ')}: ${output.trim()}`);
    this.commands = commands;
    this.output = output;
  }
}

/** The lab (or a router/daemon/link in it) does not exist or is not running. */
export class LabNotFoundError extends SpeakersimError {
  constructor(what: string) {
    super('ERR_LAB_NOT_FOUND', `${what} not found`);
  }
}

/** A bounded wait ran out (router state never reached, daemon never answered). */
export class LabTimeoutError extends SpeakersimError {
  constructor(what: string, ms: number) {
    super('ERR_LAB_TIMEOUT', `${what} not reached within ${ms} ms`);
  }
}

/** The host lacks something the netns lab needs (root, FRR binaries, ip, nft). */
export class LabPrerequisiteError extends SpeakersimError {
  constructor(message: string) {
    super('ERR_LAB_PREREQUISITE_MISSING', message);
  }
}

/** No free block of that size is left in the never-routed range for a relocated lab. */
export class LabNoFreeBlockError extends SpeakersimError {
  constructor(block: string, range: string) {
    super('ERR_LAB_NO_FREE_BLOCK', `no free block for ${block} left in ${range}`);
  }
}

/** The lab's addresses overlap another lab's or the host's, and relocation was refused. */
export class LabAddressesInUseError extends SpeakersimError {
  constructor(readonly clashes: { block: string; used: string }[]) {
    super(
      'ERR_LAB_ADDRESSES_IN_USE',
      `addresses in use: ${clashes.map((c) => `${c.block} overlaps ${c.used}`).join(', ')} (lab up relocates them unless --no-relocate)`,
    );
  }
}
