export { AllocationBitmap, defaultRandom, type RandomInt } from './bitmap';
export { cidrContains, formatIP, parseCIDR, parseIP, type CIDR, type IPFamily, type ParsedIP } from './ip';
export { AllocationError, IPRange, isAllocationError, PortRange, type AllocationErrorReason, type AllocationRange } from './ranges';
export {
  decodeRangeData,
  RangeAllocator,
  rangeAllocationObject,
  RangeMismatchError,
  SECONDARY_SERVICE_IPS_KEY,
  SERVICE_IPS_KEY,
  SERVICE_NODE_PORTS_KEY,
  type RangeAllocationObject,
} from './range-allocator';
export {
  collectServiceNodePorts,
  NUM_REPAIRS_BEFORE_LEAK_CLEANUP,
  repairClusterIPs,
  repairNodePorts,
  type LeakCounters,
  type RepairErrorType,
  type RepairEvent,
  type RepairResult,
  type ServiceLike,
  type ServiceRef,
  type StoredRange,
} from './repair';
