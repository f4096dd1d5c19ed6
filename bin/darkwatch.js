#!/usr/bin/env node
// The `darkwatch` executable: runs the TypeScript CLI through tsx, so `npx darkwatch …`
// works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
