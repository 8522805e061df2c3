// Worker-thread bootstrap for the CPU backend's pool: registers the TypeScript loader (tsx),
// then loads the worker (worker.ts, named in workerData.entry). Work stays inside functions.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

async function boot() {
  register();
  await import(workerData.entry);
}
boot();
