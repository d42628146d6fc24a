/**
 * `zerosearch <command>`: the kit's command line. Each command lives in src/cli/<name>.ts and
 * exports `register(program)`; this file only wires them together, so commands stay thin and
 * call the core.
 */
import { Command } from 'commander';

const program = new Command();
program
  .name('zerosearch')
  .description('ZeroSearch reproduction kit: micro world, simulation LLM, RL with search, evaluation')
  .showHelpAfterError();

// One line per command module (keep sorted).
const commandModules: Array<{ register(p: Command): void }> = [
  require('./cli/bench'),
  require('./cli/compare'),
  require('./cli/eval'),
  require('./cli/logits'),
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

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`zerosearch: ${err.message}\n`);
  process.exit(1);
});
