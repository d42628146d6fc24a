/**
 * `zerosearch <command>`: the kit's command line. Each command lives in src/cli/<name>.ts and
 * exports `register(program)`; this file only wires them together, so commands stay thin and
 * call the core. It also holds what every command shares: the lock on a run folder and the process
 * guard (children stopped on a signal, and the run stopped when the process that started it dies).
 */
import { Command } from 'commander';
import { guardProcess } from './util/process-guard';
import { lockRunFolder } from './util/run-lock';

const program = new Command();
program.name('zerosearch').description('ZeroSearch reproduction kit: micro world, simulation LLM, RL with search, evaluation').showHelpAfterError();

// One line per command module (keep sorted).
const commandModules: Array<{ register(p: Command): void }> = [
  require('./cli/bench'),
  require('./cli/compare'),
  require('./cli/config'),
  require('./cli/eval'),
  require('./cli/logits'),
  require('./cli/plan'),
  require('./cli/reproduce'),
  require('./cli/score'),
  require('./cli/search'),
  require('./cli/serve-retriever'),
  require('./cli/serve-simulator'),
  require('./cli/simulator'),
  require('./cli/train'),
  require('./cli/world'),
];
for (const m of commandModules) m.register(program);

// Commands whose --out is a run folder they resume: one run owns it at a time (a second one refuses).
const RUN_FOLDER_COMMANDS = new Set(['eval', 'reproduce', 'simulator collect', 'simulator eval', 'simulator finetune', 'simulator train', 'train', 'world']);
program.hook('preAction', (_program, command) => {
  const name = command.parent && command.parent !== program ? `${command.parent.name()} ${command.name()}` : command.name();
  const out = command.opts().out;
  if (RUN_FOLDER_COMMANDS.has(name) && typeof out === 'string') lockRunFolder(out, `zerosearch ${name} --out ${out}`);
});

guardProcess();
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`zerosearch: ${err.message}\n`);
  process.exit(1);
});
