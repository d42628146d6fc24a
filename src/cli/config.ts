/**
 * `zerosearch config`: the resolved configuration of a run, as `reproduce` and `train` would use it (world,
 * simulator, policy base, RL and rollout, runs, evaluation), after `--set` edits and the cross-stage checks.
 *
 *   zerosearch config --preset quick
 *   zerosearch config --preset ablations --set rl.lr=3e-4 --set rl.rollout.maxTurns=4
 */
import type { Command } from 'commander';
import { REPRODUCE_PRESETS } from '../reproduce/presets';
import { resolveRunConfig } from '../reproduce/run-config';
import { presetOption } from './options';

export function register(program: Command): void {
  program
    .command('config')
    .description('print the resolved run configuration of a preset (JSON), after --set edits and its checks')
    .addOption(presetOption(Object.keys(REPRODUCE_PRESETS), 'reproduce preset'))
    .option('--set <path=value...>', 'edit a field of the resolved config, e.g. rl.lr=3e-4 or policyBase.steps=800')
    .action((o: { preset: string; set?: string[] }) => {
      process.stdout.write(`${JSON.stringify(resolveRunConfig(o.preset, {}, o.set), null, 2)}\n`);
    });
}
