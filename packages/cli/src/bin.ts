#!/usr/bin/env node
/** `tokentrail`: verify an audit trail, report on it, inspect a token, scan files for leaked JWTs. */
import { EXIT, InputError, UsageError } from './cli-errors';
import { INSPECT_HELP, inspectCommand } from './inspect/inspect-command';
import { REPORT_HELP, reportCommand } from './report/report-command';
import { SCAN_HELP, scanCommand } from './scan/scan-command';
import { VERIFY_HELP, verifyCommand } from './verify/verify-command';

type Command = { help: string; run: (args: string[], out: (text: string) => void) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  verify: { help: VERIFY_HELP, run: verifyCommand },
  report: { help: REPORT_HELP, run: reportCommand },
  inspect: { help: INSPECT_HELP, run: inspectCommand },
  scan: { help: SCAN_HELP, run: scanCommand },
};

const HELP = `Usage: tokentrail <command> [options]

Commands:
  verify <file…>        verify tokentrail audit trails in OTLP JSON log exports
  report <file…>        a verified evidence report (HTML, or --json) answering the auditor's questions
  inspect <token | ->   decode a token offline (without trusting it), list findings, optionally verify it
  scan <file|dir…>      find JWTs leaked into logs, exports, HAR files or source trees

Run tokentrail <command> --help for a command's options and exit status.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(HELP);
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`tokentrail: unknown command "${name}"\n\n${HELP}\n`);
    return EXIT.error;
  }
  try {
    return await command.run(args, out);
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`tokentrail ${name}: ${(error as Error).message}\n\n${command.help}\n`);
      return EXIT.error;
    }
    if (error instanceof InputError) {
      process.stderr.write(`tokentrail ${name}: ${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`tokentrail: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = EXIT.error;
  },
);
