// The Node.js options Berth runs under, wherever it is started: the installed
// `berth` command (bin/berth.js's first line), `npm start` / `npm run berth`,
// the perf suite (`npm run perf`, and the Berth it spawns) and the
// integration harness. A test keeps bin/berth.js and package.json in step
// with this list.
//
// --max-semi-space-size=16: Node 24's V8 sizes the young generation from the
// heap limit, which it takes from the machine's memory: on a 24 GiB host each
// semi-space may grow to 64 MiB (128 MiB of new space), against 16 MiB under
// Node 20 and 22. A scheduler allocates steadily (every watch event is parsed
// JSON), so the new space does grow to its cap and stays resident. Capped at
// 16 MiB, the 10,000-node / 10,000-pod end-to-end run peaks at ~270 MB RSS
// instead of ~360 MB for ~3% more CPU (perf/README.md, "Memory"). The
// worker pool caps its threads' young generation the same way
// (src/parallel/pool.ts).
export const BERTH_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=16'];
