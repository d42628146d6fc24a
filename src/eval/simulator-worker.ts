/**
 * Child-process entry of `reproduce`: builds the simulator of a world folder while the parent process
 * builds the policy base (two cores, two processes). Argument: one JSON object
 * `{worldDir, preset: SimulatorPreset, seed, outDir, skipQuality}`.
 */
import { initBackend } from '../tensor';
import { loadWorld } from '../world/io';
import { buildSimulator } from '../simulator/pipeline';
import type { SimulatorPreset } from '../simulator/pipeline';

interface WorkerArgs { worldDir: string; preset: SimulatorPreset; seed: number; outDir: string; skipQuality: boolean }

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error('simulator-worker: expected one JSON argument {worldDir, preset, seed, outDir, skipQuality}');
  const a = JSON.parse(raw) as WorkerArgs;
  await initBackend();
  await buildSimulator(loadWorld(a.worldDir), a.preset, { seed: a.seed, outDir: a.outDir, skipQuality: a.skipQuality });
}

main().catch((err: Error) => {
  process.stderr.write(`simulator-worker: ${err.message}\n`);
  process.exit(1);
});
