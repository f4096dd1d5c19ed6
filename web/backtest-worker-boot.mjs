// Entry of the backtest worker thread: the project runs TypeScript through tsx without a build, so
// the worker registers tsx's loader before importing its TypeScript module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
