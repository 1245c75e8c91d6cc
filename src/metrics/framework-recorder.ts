// What the framework runtime records, per profile: how long each extension
// point took (every cycle), and how long each plugin took (in sampled cycles
// only, ~10% as upstream's pluginMetricsSamplePercent). The runtime calls
// it; plugins never see it.
//
// A cycle is sampled or not as a whole: startCycle(state) decides at the
// first point of the scheduling cycle (PreFilter), and every later point of
// that pod's cycles (Filter … PostBind) asks isSampled(state). PreEnqueue,
// which runs outside any cycle, is sampled per call, as upstream's queue does.
import type { CycleState } from '../framework/cycle-state.ts';
import { Code, codeNames, type Result } from '../framework/status.ts';
import type { FastHistogram } from './fast-histogram.ts';

/** Upstream's extension_point label values (pkg/scheduler/metrics). */
export const EXTENSION_POINT_LABELS = [
  'PreEnqueue',
  'PreFilter',
  'Filter',
  'PostFilter',
  'PreScore',
  'Score',
  'ScoreExtensionNormalize',
  'Reserve',
  'Unreserve',
  'Permit',
  'PreBind',
  'Bind',
  'PostBind',
] as const;
export type ExtensionPointLabel = (typeof EXTENSION_POINT_LABELS)[number];

const CODES = Object.keys(codeNames).length;

/** Per (plugin, extension point): the series index for each status code. */
export type PluginSlot = Int32Array;

export class FrameworkRecorder {
  readonly profile: string;
  private readonly points: FastHistogram<'extension_point' | 'status' | 'profile'>;
  private readonly plugins: FastHistogram<'plugin' | 'extension_point' | 'status'>;
  private readonly samplePercent: number;
  private readonly random: () => number;
  private readonly sampled = new WeakSet<CycleState>();
  private readonly pointSeries = new Map<ExtensionPointLabel, Int32Array>();

  constructor(options: {
    profile: string;
    points: FastHistogram<'extension_point' | 'status' | 'profile'>;
    plugins: FastHistogram<'plugin' | 'extension_point' | 'status'>;
    samplePercent: number;
    random: () => number;
  }) {
    this.profile = options.profile;
    this.points = options.points;
    this.plugins = options.plugins;
    this.samplePercent = options.samplePercent;
    this.random = options.random;
    for (const point of EXTENSION_POINT_LABELS) {
      const series = new Int32Array(CODES);
      for (let code = 0; code < CODES; code++) {
        series[code] = this.points.series({ extension_point: point, status: codeNames[code as Code], profile: this.profile });
      }
      this.pointSeries.set(point, series);
    }
  }

  /** Milliseconds, for the start of what is timed. */
  now(): number {
    return performance.now();
  }

  /** A new scheduling cycle: whether its plugins are timed is decided now, once. */
  startCycle(state: CycleState): void {
    if (this.random() * 100 < this.samplePercent) this.sampled.add(state);
  }

  isSampled(state: CycleState): boolean {
    return this.sampled.has(state);
  }

  /** For PreEnqueue, which has no cycle: one draw per call. */
  sampleOnce(): boolean {
    return this.random() * 100 < this.samplePercent;
  }

  /** scheduler_framework_extension_point_duration_seconds, labelled with the status the point returned. */
  observePoint(point: ExtensionPointLabel, status: Result, startMs: number): void {
    const code = status === null ? Code.Success : status.code;
    this.points.observe(this.pointSeries.get(point)![code]!, (performance.now() - startMs) / 1000);
  }

  /** The series of one plugin at one point, for each status code: made when the runtime is built. */
  pluginSlot(plugin: string, point: ExtensionPointLabel): PluginSlot {
    const slot = new Int32Array(CODES);
    for (let code = 0; code < CODES; code++) {
      slot[code] = this.plugins.series({ plugin, extension_point: point, status: codeNames[code as Code] });
    }
    return slot;
  }

  /** scheduler_plugin_execution_duration_seconds, labelled with the status the plugin itself returned. */
  observePlugin(slot: PluginSlot, status: Result, startMs: number): void {
    this.observePluginMs(slot, status, performance.now() - startMs);
  }

  /** The same, with the duration measured by the caller (the per-node loops read the clock once per call). */
  observePluginMs(slot: PluginSlot, status: Result, elapsedMs: number): void {
    const code = status === null ? Code.Success : status.code;
    this.plugins.observe(slot[code]!, elapsedMs / 1000);
  }
}
