/**
 * Child-process entry of `reproduce` (two cores, two processes; the native backend uses one thread each):
 * - `{kind: 'simulator', worldDir, preset, seed, outDir, skipQuality}`: build a simulator of a world folder (or
 *   its quality report) while the parent builds the policy base or another stage;
 * - `{kind: 'rl', seed, rlSeed, dir, run, spec}`: one RL run of a seed folder whose world, policy base
 *   and simulators are already built (they are only loaded here), beside another RL run.
 * The parent then loads what the child saved: every stage is cached on disk.
 */
import { initBackend } from '../tensor';
import { loadWorld } from '../world/io';
import { buildSimulator } from '../simulator/pipeline';
import { trainRun } from './stages';
import type { WorkerArgs } from './stages';

async function main(): Promise<void> {
  // The parent holds an IPC channel open; when it dies (killed, crashed), the channel closes and this
  // process stops too instead of training on for nobody. Stages are checkpointed, so a rerun resumes.
  // The channel itself must not keep this process alive once its stage is done (unref).
  process.on('disconnect', () => {
    process.stderr.write('stage-worker: parent process gone; stopping\n');
    process.exit(1);
  });
  process.channel?.unref();
  const raw = process.argv[2];
  if (!raw) throw new Error('stage-worker: expected one JSON argument {kind: "simulator" | "rl", …}');
  const a = JSON.parse(raw) as WorkerArgs;
  await initBackend();
  if (a.kind === 'simulator') await buildSimulator(loadWorld(a.worldDir), a.preset, { seed: a.seed, outDir: a.outDir, skipQuality: a.skipQuality });
  else if (a.kind === 'rl') await trainRun(a.run, a.seed, a.rlSeed, a.dir, a.spec, undefined, a.quiet);
  else throw new Error(`stage-worker: unknown kind ${JSON.stringify((a as { kind: unknown }).kind)}`);
}

main().catch((err: Error) => {
  process.stderr.write(`stage-worker: ${err.message}\n`);
  process.exit(1);
});
