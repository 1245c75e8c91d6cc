import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingAssetsError, resolveKubeAssets } from './assets.ts';

function assetsFolder(binaries: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-assets-'));
  for (const b of binaries) {
    writeFileSync(join(dir, b), '#!/bin/sh\n');
    chmodSync(join(dir, b), 0o755);
  }
  return dir;
}

describe('resolveKubeAssets', () => {
  const saved = { assets: process.env.BERTH_KUBE_ASSETS, path: process.env.PATH, cache: process.env.XDG_CACHE_HOME };
  afterEach(() => {
    process.env.BERTH_KUBE_ASSETS = saved.assets;
    if (saved.assets === undefined) delete process.env.BERTH_KUBE_ASSETS;
    process.env.PATH = saved.path;
    process.env.XDG_CACHE_HOME = saved.cache;
    if (saved.cache === undefined) delete process.env.XDG_CACHE_HOME;
  });

  test('takes binaries from BERTH_KUBE_ASSETS and builds nothing, even without Go', async () => {
    const dir = assetsFolder(['etcd', 'kube-apiserver', 'kube-scheduler']);
    process.env.BERTH_KUBE_ASSETS = dir;
    process.env.PATH = '/nonexistent';
    const logs: string[] = [];
    const assets = await resolveKubeAssets(['etcd', 'kubernetes'], (m) => logs.push(m));
    expect(assets).toEqual({
      source: 'BERTH_KUBE_ASSETS',
      etcd: join(dir, 'etcd'),
      kubeApiserver: join(dir, 'kube-apiserver'),
      kubeScheduler: join(dir, 'kube-scheduler'),
    });
    expect(logs).toEqual([]);
  });

  test('names the binaries a BERTH_KUBE_ASSETS folder lacks', async () => {
    process.env.BERTH_KUBE_ASSETS = assetsFolder(['etcd']);
    await expect(resolveKubeAssets()).rejects.toThrow(MissingAssetsError);
    await expect(resolveKubeAssets()).rejects.toThrow(/lacks executable kube-apiserver/);
  });

  test('without assets or Go, says exactly how to get them', async () => {
    delete process.env.BERTH_KUBE_ASSETS;
    process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'berth-cache-'));
    process.env.PATH = '/nonexistent';
    const attempt = resolveKubeAssets(['etcd', 'kubernetes'], () => {});
    await expect(attempt).rejects.toThrow(MissingAssetsError);
    await expect(resolveKubeAssets(['etcd'], () => {})).rejects.toThrow(
      /set BERTH_KUBE_ASSETS to a folder holding the etcd and kube-apiserver binaries[\s\S]*install Go 1\.26 or newer/,
    );
  });
});
