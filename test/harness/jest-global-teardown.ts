export default async function globalTeardown(): Promise<void> {
  const controlPlane = globalThis.berthControlPlane;
  globalThis.berthControlPlane = undefined;
  await controlPlane?.stop();
}
