// Worker entry point of the filter/score pool (src/parallel/pool.ts): Piscina
// loads it in each worker thread and calls the default export once per task.
// Plain Node loads it (type stripping), as it loads every src/*.ts file it
// imports. The registry is the in-tree one, plus the entries of the modules
// the pool names in workerData.registryModules (each exporting
// `registryEntries`), loaded on the first task.
import { workerData } from 'node:worker_threads';
import type { Registry, RegistryEntry } from '../framework/runtime.ts';
import { createWorkerHandler } from '../parallel/worker-runtime.ts';
import { inTreeRegistry } from '../plugins/registry.ts';

async function loadRegistry(): Promise<Registry> {
  const modules = (workerData as { registryModules?: string[] } | undefined)?.registryModules ?? [];
  const registry = new Map(inTreeRegistry);
  for (const url of modules) {
    const { registryEntries } = (await import(url)) as { registryEntries: readonly RegistryEntry[] };
    for (const entry of registryEntries) registry.set(entry.name, entry);
  }
  return registry;
}

export default createWorkerHandler(loadRegistry);
