import { Command, CommanderError } from 'commander';
import { InputError, StepError } from '../errors.js';
import { readFileSync } from 'node:fs';

/**
 * Entry point. Each command lives in its own module and registers itself; heavy modules
 * are imported inside the actions so that `--help` stays fast.
 * Exit codes: 0 ok, 1 a step failed, 2 bad input.
 */
import { registerValidate } from './validate.js';
import { registerPlan } from './plan.js';
import { registerRun } from './run.js';
import { registerGc } from './gc.js';
import { registerScore } from './score.js';
import { registerStatus } from './status.js';
import { registerCleanup } from './cleanup.js';
import { registerDiff } from './diff.js';
import { registerReport } from './report.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('fc-distill')
    .description('Distil function calling from a large LLM into a small one on Amazon Bedrock; score with BFCL.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [registerValidate, registerPlan, registerRun, registerStatus, registerCleanup, registerScore, registerDiff, registerReport, registerGc]) register(program);
  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return (process.exitCode as number | undefined) ?? 0;
  } catch (error) {
    return reportError(error);
  }
}

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help text).
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof InputError) {
    process.stderr.write(`error: ${error.describe()}\n`);
    return 2;
  }
  if (error instanceof StepError) {
    process.stderr.write(`error: step ${error.step} failed: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

