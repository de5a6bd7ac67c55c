import type { NodeType, NodeTypeDescriptor } from './node-type';
import { NODE_TYPES } from './nodes';

const byType = new Map<string, NodeType>();
for (const node of NODE_TYPES) {
  if (byType.has(node.type)) throw new Error(`node type ${node.type} is registered twice`);
  byType.set(node.type, node);
}

function describe(node: NodeType): NodeTypeDescriptor {
  const { type, label, category, description, version, handles, paramsSchema, inputsSchema, outputsSchema } = node;
  return { type, label, category, description, version, handles, paramsSchema, inputsSchema, outputsSchema };
}

const descriptors = NODE_TYPES.map(describe).sort((a, b) => a.type.localeCompare(b.type));

/** Every registered node type (`GET /nodes`), sorted by type. */
export function listNodeTypes(): NodeTypeDescriptor[] {
  return descriptors;
}

/** One node type (`GET /nodes/{type}`), or undefined when unknown. */
export function getNodeType(type: string): NodeTypeDescriptor | undefined {
  return descriptors.find((d) => d.type === type);
}

/** The executable module of a type (engine-internal). */
export function nodeImplementation(type: string): NodeType | undefined {
  return byType.get(type);
}

/** True for a type whose executor has no effect outside the run (`NodeType.pure`); false for unknown types. */
export function isPureNodeType(type: string): boolean {
  return byType.get(type)?.pure === true;
}
