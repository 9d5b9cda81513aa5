// nosigbus/shm: MAP_NOSIGBUS in user space. Usable on its own.
export { map, SafeMapping, activeMappings, mappingBudget, pageSize } from './mapping.js';
export type { MapOptions, GuardMode, Rescues, MappingBudget } from './mapping.js';
export { memfd, seals, fileSize, addSeals, SEAL } from './fd.js';
export type { MemfdOptions, Seals, SealName } from './fd.js';
export { isNosigbusError } from './errors.js';
export type { NosigbusError, NosigbusErrorCode } from './errors.js';
