#!/usr/bin/env node
// The installed command: runs the built CLI (dist/ is made by `npm run build`, which `npm ci` runs via prepare).
import '../dist/cli/bin.js';
