import type { CommanderError } from 'commander';
import { UsageError } from './errors.js';

/*
 * commander's own refusals (`error: unknown option '--x'`) told as migtest tells every usage error:
 * `migtest: what is wrong` and `fix: what to do`, exit 2. commander's text is kept for the what
 * (it names the option and the values allowed); the fix line is migtest's.
 */

const COMMANDS = ['check', 'lint', 'snapshot', 'run'];

export function commanderError(error: CommanderError, argv: readonly string[]): UsageError {
  const text = error.message.replace(/^error: /, '');
  const suggestion = /\(Did you mean ([^?]+)\?\)/.exec(text)?.[1];
  const what = text.replace(/\s*\(Did you mean [^)]*\)\s*/, '').split('\n')[0]!.trim();
  const command = COMMANDS.find((c) => argv.includes(c));
  const help = `migtest ${command ? `${command} ` : ''}--help`;
  return new UsageError(what, fixFor(error.code, suggestion, help));
}

function fixFor(code: string, suggestion: string | undefined, help: string): string {
  if (suggestion !== undefined) return `did you mean ${suggestion}? (${help} lists the rest)`;
  switch (code) {
    case 'commander.unknownCommand':
      return `the commands are ${COMMANDS.join(', ')}; ${help} says more`;
    case 'commander.unknownOption':
      return `${help} lists the options this command takes`;
    case 'commander.excessArguments':
      return `a command takes one folder or file: quote a path that has spaces, and give each option as --name value (${help})`;
    case 'commander.optionMissingArgument':
    case 'commander.missingMandatoryOptionValue':
      return `give the option its value, e.g. --pg 17 (${help})`;
    default:
      return `see ${help}`;
  }
}
