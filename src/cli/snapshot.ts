import pc from 'picocolors';
import { errorFinding } from '../checks/findings.js';
import { displayPath } from '../report/paths.js';
import { expectedFolder } from '../checks/expected.js';
import { onEachServer, prepare } from '../prepare.js';
import { runnerModel } from '../runners/registry.js';
import { reproduceCommand } from '../reproduce.js';
import { TextReporter } from '../report/text.js';
import { assertWritable, majorFolder, writeObjects, type WriteResult } from '../snapshot/files.js';
import { VERSION } from '../version.js';
import { checkOut } from './out.js';
import { wantsColor } from './color.js';

export interface SnapshotRequest {
  dir: string;
  runner: string;
  /** Empty: the provider's default (an image without `{pg}`, a url: the server's own version). */
  postgres: number[];
  provider: string;
  image?: string;
  url?: string;
  /** The folder of expected-schema files; default `expected-schema/` beside the set. */
  out?: string;
  runnerOptions?: Record<string, string>;
  /** `--setup` files: what the set expects on the server before it (roles, schemas, extensions). */
  setup?: string[];
}

/**
 * `migtest snapshot`: applies the set to an empty database as check `fresh` does (the same
 * States), and writes the schema objects of that state as expected-schema files, one folder per
 * PostgreSQL major. Returns the exit code: 0 written, 1 the set does not apply (nothing written
 * for that major); bad input and infrastructure failures throw (exit 2).
 */
export async function snapshotCommand(request: SnapshotRequest, write: (text: string) => void): Promise<number> {
  const color = wantsColor(process.stdout.isTTY);
  const c = pc.createColors(color);
  runnerModel(request.runner); // an unknown runner is refused first
  const folder = expectedFolder(request.dir, request.out);
  checkOut(folder, request.dir, 'folder', request.out !== undefined ? `--out ${request.out}` : `the expected-schema folder ${displayPath(folder)}`);
  const prepared = await prepare({
    dir: request.dir,
    runner: request.runner,
    runnerOptions: request.runnerOptions ?? {},
    // The environment a set reads (`${VAR}` substitution) is the process's: read here, at the edge.
    env: process.env,
    servers: { ...request, postgres: request.postgres },
    ...(request.setup !== undefined ? { setup: request.setup } : {}),
  });
  const { model, set } = prepared;
  // Refused before any server starts: a folder migtest did not write is never cleaned.
  for (const start of prepared.servers.starts) if (start.major !== undefined) assertWritable(folder, start.major);
  write(`${c.bold('migtest')} ${VERSION} · ${displayPath(set.dir)} · ${set.migrations.length} migrations · runner ${model.name} · snapshot\n`);
  let code = 0;
  const written: number[] = [];
  await onEachServer(prepared, async (server, states) => {
    const major = server.major;
    // A version known only once the server answers (an image without {pg}, a url) is checked here.
    assertWritable(folder, major);
    try {
      const fresh = await states.fresh();
      const failure = fresh.trace.failure;
      if (failure) {
        code = 1;
        const reproduce = reproduceCommand(
          {
            dir: request.dir,
            runner: model.name,
            provider: request.provider,
            ...(request.image !== undefined ? { image: request.image } : {}),
            ...(request.url !== undefined ? { url: request.url } : {}),
            options: {},
            runnerOptions: request.runnerOptions ?? {},
          },
          'fresh',
          major,
        );
        const text = new TextReporter({ color, live: false, write });
        write(`  ${c.red('✗')} pg ${server.major} (${server.version}): the set does not apply to an empty database; nothing written\n`);
        write(text.finding(errorFinding('fresh', failure, reproduce)));
        return;
      }
      const snapshot = await states.snapshotOf(fresh);
      const result = writeObjects(folder, major, snapshot.objects, snapshot.format);
      written.push(major);
      write(`  ${c.green('✓')} pg ${server.major} (${server.version}): ${describe(result)}\n`);
    } finally {
      await states.settle();
    }
  });
  if (code === 0) write(`${c.green(c.bold('WROTE'))} ${written.map((m) => displayPath(majorFolder(folder, m))).join(', ')}\n`);
  return code;
}

function describe(r: WriteResult): string {
  return `${r.objects} objects in ${displayPath(r.folder)}: ${r.written} written, ${r.removed} removed, ${r.unchanged} unchanged`;
}
