#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so users need no build step.
require('tsx/cjs');
require('../src/cli.ts');
