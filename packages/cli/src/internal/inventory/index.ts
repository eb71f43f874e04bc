/** Ansible inventories: YAML and INI files, group_vars/, host_vars/, --limit patterns. */
export { type DecodeProblem, describeProblem } from "../decode.js";
export { selectHosts } from "./limit.js";
export { type LoadedInventory, layersOf, loadInventory, parseInventory } from "./load.js";
export { groupsOfHost, hostsOfGroup, type Inventory, type InventoryGroup, type Vars } from "./model.js";
export type { VarLayer } from "./vars-dirs.js";
