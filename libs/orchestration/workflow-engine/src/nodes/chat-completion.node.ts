import { EngineError } from '../errors';
import type { ChatCompletionChunk } from '../events';
import { modelCredentials, postModelJson, streamChatCompletion } from '../http/openai';
import { defineNode } from '../node-type';

interface ChatMessage {
  role: string;
  content?: unknown;
  [extra: string]: unknown;
}

interface ChatCompletionParams {
  model: string | number;
  messages?: ChatMessage[];
  system_prompt?: string;
  user_prompt?: string;
  prompt?: string;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  response_format?: Record<string, unknown>;
  tools?: unknown[];
  stream?: boolean;
  streaming?: boolean;
  include_usage: boolean;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** Accumulates a streamed answer: content, tool call fragments, finish reason, usage. */
class Accumulator {
  content = '';
  role = 'assistant';
  finishReason: string | null = null;
  usage: Usage | null = null;
  id?: string;
  model?: string;
  toolCalls: Array<{ id?: string; type?: string; function: { name: string; arguments: string } }> = [];

  add(chunk: ChatCompletionChunk) {
    this.id ??= chunk.id;
    this.model ??= chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0) ?? chunk.choices[0];
    if (!choice) return;
    const delta = choice.delta ?? {};
    if (typeof delta.role === 'string') this.role = delta.role;
    if (typeof delta.content === 'string') this.content += delta.content;
    for (const raw of (delta.tool_calls ?? []) as Array<{ index?: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }>) {
      const i = raw.index ?? this.toolCalls.length;
      const call = (this.toolCalls[i] ??= { function: { name: '', arguments: '' } });
      if (raw.id) call.id = raw.id;
      if (raw.type) call.type = raw.type;
      if (raw.function?.name) call.function.name += raw.function.name;
      if (raw.function?.arguments) call.function.arguments += raw.function.arguments;
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }
}

export const chatCompletionNode = defineNode<ChatCompletionParams>({
  type: 'chat_completion',
  label: 'Chat Completion',
  category: 'ai',
  description:
    "Asks an AI model of the registry (its OpenAI-compatible endpoint and provisioned credential). Messages: `messages`, then `system_prompt` first and `user_prompt` (or `prompt`) last when given. With `stream: true` (default) every `chat.completion.chunk` is appended to the job's `result.stream[<nodeId>].chunks` as it arrives. Outputs `{content, role, finish_reason, tool_calls?, usage, model, id}`.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      model: { type: ['string', 'integer'], minLength: 1, description: 'Slug or id of an AI model of the registry.' },
      messages: {
        type: 'array',
        items: { type: 'object', properties: { role: { type: 'string', minLength: 1 } }, required: ['role'], additionalProperties: true },
        maxItems: 1000,
      },
      system_prompt: { type: 'string' },
      user_prompt: { type: 'string' },
      prompt: { type: 'string', description: 'Alias of `user_prompt`.' },
      temperature: { type: 'number', minimum: 0, maximum: 2 },
      top_p: { type: 'number', minimum: 0, maximum: 1 },
      max_tokens: { type: 'integer', minimum: 1 },
      stop: { type: ['string', 'array'], items: { type: 'string' } },
      response_format: { type: 'object' },
      tools: { type: 'array' },
      stream: { type: 'boolean', description: 'Stream the answer (default true).' },
      streaming: { type: 'boolean', description: 'Alias of `stream` (what agent-style clients send).' },
      include_usage: { type: 'boolean', default: true, description: 'Ask for usage in the last streamed chunk (`stream_options`).' },
    },
    required: ['model'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: {
    type: 'object',
    properties: {
      content: { type: 'string' },
      role: { type: 'string' },
      finish_reason: { type: ['string', 'null'] },
      tool_calls: { type: 'array' },
      usage: { type: ['object', 'null'] },
      model: { type: 'string' },
      id: { type: 'string' },
    },
    required: ['content'],
  },
  async execute(ctx) {
    const p = ctx.params;
    const messages: ChatMessage[] = [];
    if (p.system_prompt) messages.push({ role: 'system', content: p.system_prompt });
    messages.push(...(p.messages ?? []));
    const user = p.user_prompt ?? p.prompt;
    if (user) messages.push({ role: 'user', content: user });
    if (messages.length === 0) throw new EngineError('invalid_params', 'params.messages, params.user_prompt or params.prompt is required');

    const credentials = await modelCredentials(ctx, p.model);
    const body: Record<string, unknown> = { model: credentials.model ?? String(p.model), messages };
    for (const key of ['temperature', 'top_p', 'max_tokens', 'stop', 'response_format', 'tools'] as const) {
      if (p[key] !== undefined) body[key] = p[key];
    }
    const answer = new Accumulator();
    if (p.stream ?? p.streaming ?? true) {
      body.stream = true;
      if (p.include_usage) body.stream_options = { include_usage: true };
      await streamChatCompletion(ctx, credentials, body, async (chunk) => {
        answer.add(chunk);
        await ctx.emitChunk(chunk);
      });
    } else {
      const json = await postModelJson(ctx, credentials, '/chat/completions', body);
      const choice = (json.choices as Array<{ message?: ChatMessage & { tool_calls?: typeof answer.toolCalls }; finish_reason?: string }> | undefined)?.[0];
      if (!choice?.message) throw new EngineError('upstream_error', 'the model endpoint answered without a message');
      answer.content = typeof choice.message.content === 'string' ? choice.message.content : '';
      answer.role = choice.message.role ?? 'assistant';
      answer.finishReason = choice.finish_reason ?? null;
      answer.toolCalls = choice.message.tool_calls ?? [];
      answer.usage = (json.usage as Usage | undefined) ?? null;
      answer.id = typeof json.id === 'string' ? json.id : undefined;
      answer.model = typeof json.model === 'string' ? json.model : undefined;
    }
    const usage = answer.usage;
    ctx.report({
      kind: 'model',
      model: p.model,
      ...(credentials.modelId !== undefined ? { modelId: credentials.modelId } : {}),
      operation: 'chat',
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0),
    });
    return {
      output: {
        content: answer.content,
        role: answer.role,
        finish_reason: answer.finishReason,
        ...(answer.toolCalls.length ? { tool_calls: answer.toolCalls } : {}),
        usage,
        model: answer.model ?? body.model,
        ...(answer.id ? { id: answer.id } : {}),
      },
    };
  },
});
