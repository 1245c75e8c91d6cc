// Every in-tree plugin, registered in one place: its name, factory, default
// args and args validator (as descheduler's registry), and the default
// profile, as upstream's pkg/scheduler/apis/config/v1/default_plugins.go
// (v1.36) restricted to the plugins Berth has.
import { EXTENSION_POINTS, type ExtensionPoint, type Registry, type RegistryEntry } from '../framework/runtime.ts';
import * as defaultBinder from './defaultbinder/default-binder.ts';
import * as imageLocality from './imagelocality/image-locality.ts';
import * as interPodAffinity from './interpodaffinity/inter-pod-affinity.ts';
import { defaultNodeAffinityArgs, validateNodeAffinityArgs } from './nodeaffinity/args.ts';
import * as nodeAffinity from './nodeaffinity/node-affinity.ts';
import * as nodeName from './nodename/node-name.ts';
import * as nodePorts from './nodeports/node-ports.ts';
import * as balancedAllocation from './noderesources/balanced-allocation.ts';
import * as fit from './noderesources/fit.ts';
import * as nodeUnschedulable from './nodeunschedulable/node-unschedulable.ts';
import * as podTopologySpread from './podtopologyspread/pod-topology-spread.ts';
import * as prioritySort from './prioritysort/priority-sort.ts';
import * as schedulingGates from './schedulinggates/scheduling-gates.ts';
import * as taintToleration from './tainttoleration/taint-toleration.ts';
import * as volumeBinding from './volumebinding/volume-binding.ts';

/** For plugins without args: anything but nothing (or {}) is an error naming the field. */
function noArgs(args: unknown): string[] {
  if (args === undefined || args === null) return [];
  if (typeof args !== 'object' || Array.isArray(args)) return [`<args>: Invalid value: ${JSON.stringify(args)}: the plugin takes no args`];
  return Object.keys(args).map((k) => `${k}: unknown field (the plugin takes no args)`);
}

const entries: RegistryEntry[] = [
  { name: schedulingGates.name, factory: schedulingGates.factory, validateArgs: noArgs },
  { name: prioritySort.name, factory: prioritySort.factory, validateArgs: noArgs },
  { name: nodeUnschedulable.name, factory: nodeUnschedulable.factory, validateArgs: noArgs },
  { name: nodeName.name, factory: nodeName.factory, validateArgs: noArgs },
  { name: taintToleration.name, factory: taintToleration.factory, validateArgs: noArgs },
  {
    name: nodeAffinity.name,
    factory: nodeAffinity.factory,
    defaultArgs: defaultNodeAffinityArgs,
    validateArgs: validateNodeAffinityArgs,
  },
  { name: nodePorts.name, factory: nodePorts.factory, validateArgs: noArgs },
  { name: fit.name, factory: fit.factory, defaultArgs: fit.defaultArgs, validateArgs: fit.validateArgs },
  {
    name: balancedAllocation.name,
    factory: balancedAllocation.factory,
    defaultArgs: balancedAllocation.defaultArgs,
    validateArgs: balancedAllocation.validateArgs,
  },
  {
    name: volumeBinding.name,
    factory: volumeBinding.factory,
    defaultArgs: volumeBinding.defaultArgs,
    validateArgs: volumeBinding.validateArgs,
  },
  {
    name: podTopologySpread.name,
    factory: podTopologySpread.factory,
    defaultArgs: podTopologySpread.defaultArgs,
    validateArgs: podTopologySpread.validateArgs,
  },
  {
    name: interPodAffinity.name,
    factory: interPodAffinity.factory,
    defaultArgs: interPodAffinity.defaultArgs,
    validateArgs: interPodAffinity.validateArgs,
  },
  { name: imageLocality.name, factory: imageLocality.factory, validateArgs: noArgs },
  { name: defaultBinder.name, factory: defaultBinder.factory, validateArgs: noArgs },
];

/** name → registration. */
export const inTreeRegistry: Registry = new Map(entries.map((e) => [e.name, e]));

/**
 * Upstream's default MultiPoint list, in its order, with its score weights
 * (plugins Berth does not have are left out: VolumeRestrictions,
 * NodeVolumeLimits, VolumeZone, DefaultPreemption, DynamicResources).
 */
export const defaultMultiPoint: readonly { name: string; weight?: number }[] = [
  { name: schedulingGates.name },
  { name: prioritySort.name },
  { name: nodeUnschedulable.name },
  { name: nodeName.name },
  { name: taintToleration.name, weight: 3 },
  { name: nodeAffinity.name, weight: 2 },
  { name: nodePorts.name },
  { name: fit.name, weight: 1 },
  { name: volumeBinding.name },
  { name: podTopologySpread.name, weight: 2 },
  { name: interPodAffinity.name, weight: 2 },
  { name: balancedAllocation.name, weight: 1 },
  { name: imageLocality.name, weight: 1 },
  { name: defaultBinder.name },
];

/** Score weights of the default profile. */
export const defaultPluginWeights: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(defaultMultiPoint.filter((p) => p.weight !== undefined).map((p) => [p.name, p.weight!])),
);

const none: string[] = [];

/**
 * The default profile per extension point: the MultiPoint list above, each
 * plugin at every point it implements, in MultiPoint order (a test derives
 * this from the plugins and keeps it in step).
 */
const points: Record<ExtensionPoint, string[]> = {
  preEnqueue: [schedulingGates.name],
  queueSort: [prioritySort.name],
  preFilter: [
    nodeName.name,
    taintToleration.name,
    nodeAffinity.name,
    nodePorts.name,
    fit.name,
    volumeBinding.name,
    podTopologySpread.name,
    interPodAffinity.name,
  ],
  filter: [
    nodeUnschedulable.name,
    nodeName.name,
    taintToleration.name,
    nodeAffinity.name,
    nodePorts.name,
    fit.name,
    volumeBinding.name,
    podTopologySpread.name,
    interPodAffinity.name,
  ],
  postFilter: none,
  preScore: [
    taintToleration.name,
    nodeAffinity.name,
    fit.name,
    podTopologySpread.name,
    interPodAffinity.name,
    balancedAllocation.name,
    imageLocality.name,
  ],
  score: [
    taintToleration.name,
    nodeAffinity.name,
    fit.name,
    podTopologySpread.name,
    interPodAffinity.name,
    balancedAllocation.name,
    imageLocality.name,
  ],
  reserve: none,
  permit: none,
  preBind: none,
  bind: [defaultBinder.name],
  postBind: none,
};

/** What config resolution starts from (resolveConfig's DefaultPlugins). */
export const defaultPlugins: { points: Record<ExtensionPoint, string[]>; weights: Record<string, number> } = {
  points: Object.fromEntries(EXTENSION_POINTS.map((p) => [p, [...points[p]]])) as Record<ExtensionPoint, string[]>,
  weights: { ...defaultPluginWeights },
};
