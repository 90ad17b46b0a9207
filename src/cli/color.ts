/*
 * Whether text output is coloured. NO_COLOR (https://no-color.org: set and not empty) always
 * wins; FORCE_COLOR asks for colour where there is no terminal (a CI log that renders ANSI, a
 * pipe into `less -R`), except as 0 or false, which turn it off as supports-color and Node read
 * them; otherwise colour only on a terminal outside CI.
 */

export function wantsColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY === true && !env.CI;
}
