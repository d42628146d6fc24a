#!/usr/bin/env node
/**
 * Builds the optional native tensor backend (native/, an N-API addon linking OpenBLAS) with node-gyp.
 * Run by `npm install` (postinstall), by scripts/setup.sh after it installed OpenBLAS, and by hand
 * (`npm run build:native`). It never fails the install: without a compiler, OpenBLAS headers or node-gyp
 * it prints one line (what is missing, what it costs, the command that fixes it) and the kit falls back
 * to the wasm backend.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const quiet = process.argv.includes('--quiet');

const INSTALL = 'sudo apt-get install -y libopenblas-dev g++ make (or `npm run setup`), then `npm run build:native`';

function skip(reason, fix) {
  console.log(`[zerosearch] native backend not built (${reason}): the kit runs on wasm, roughly 0.1x the speed. Fix: ${fix}.`);
  process.exit(0);
}

let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  require.resolve('node-addon-api', { paths: [root] });
} catch {
  skip('node-gyp / node-addon-api not installed', '`npm run setup` (installs node_modules)');
}
if (!fs.existsSync('/usr/include/x86_64-linux-gnu/cblas.h') && !fs.existsSync('/usr/include/cblas.h')) {
  skip('OpenBLAS headers missing', INSTALL);
}
if (spawnSync('g++', ['--version']).error || spawnSync('make', ['--version']).error) skip('no C++ toolchain: g++ or make missing', INSTALL);
// Use the headers that ship with this Node when present, so the build works offline.
const prefix = path.dirname(path.dirname(process.execPath));
const args = [gyp, 'rebuild', '--directory', path.join(root, 'native')];
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const res = spawnSync(process.execPath, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
if (res.status !== 0) {
  const detail = quiet ? `${res.stderr || ''}`.trim().split('\n').filter((l) => /error/i.test(l))[0] : undefined;
  skip(`node-gyp failed${detail ? `: ${detail.slice(0, 200)}` : ''}`, '`npm run build:native` shows the whole build log');
}
if (!quiet) console.log('[zerosearch] native backend built: native/build/Release/zs_native.node');
