#!/usr/bin/env node
// The keyguard command: a shim into the built code in dist/. CommonJS (see bin/package.json), the
// fastest way for Node to start, which every commit pays for.
'use strict';
let cli;
try {
  cli = require('../dist/cli.cjs');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.cjs')) throw error;
  console.error('keyguard: its built code (dist/) is missing; run `npm run build` in the keyguard folder. git is stopped here.');
  process.exit(2);
}
cli.run();
