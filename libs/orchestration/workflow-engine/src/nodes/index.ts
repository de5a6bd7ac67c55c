import type { NodeType } from '../node-type';
import { aggregateNode } from './aggregate.node';
import { chatCompletionNode } from './chat-completion.node';
import { conditionNode } from './condition.node';
import { editFieldsNode } from './edit-fields.node';
import { embeddingNode } from './embedding.node';
import { externalApiNode } from './external-api.node';
import { getEntriesNode } from './get-entries.node';
import { httpRequestNode } from './http-request.node';
import { httpResponseNode } from './http-response.node';
import { inputNode } from './input.node';
import { keywordSearchNode } from './keyword-search.node';
import { outputNode } from './output.node';
import { rerankNode } from './rerank.node';
import { subworkflowNode } from './subworkflow.node';
import { vectorSearchNode } from './vector-search.node';
import { waitNode } from './wait.node';

/** Every node type the engine runs. Adding a type: write `<type>.node.ts`, add it here. */
export const NODE_TYPES: NodeType[] = [
  inputNode,
  outputNode,
  httpRequestNode,
  httpResponseNode,
  editFieldsNode,
  conditionNode,
  aggregateNode,
  waitNode,
  getEntriesNode,
  keywordSearchNode,
  vectorSearchNode,
  chatCompletionNode,
  embeddingNode,
  rerankNode,
  externalApiNode,
  subworkflowNode,
];
