import type { JobView } from '@alien/orchestration/contracts';

/**
 * How large a job view may be. Views travel as one NATS reply (the server's `max_payload`, 1 MiB by
 * default, carries the envelope and context too); a larger one could not be answered at all.
 */
export const JOB_VIEW_MAX_BYTES = 900 * 1024;

/** What stands in a view for a value left out because the view would not fit in one answer. */
export interface OmittedValue {
  truncated: true;
  omitted: true;
  /** Size of the value as JSON, in bytes. */
  bytes: number;
}

interface Slot {
  get(): unknown;
  set(value: OmittedValue): void;
}

const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

/**
 * The view as it is when it fits in `maxBytes` of JSON; otherwise a copy in which the largest values
 * are replaced by `{truncated: true, omitted: true, bytes}` until it fits, giving up first what is
 * shown twice or matters least: the nodes' `data.outputs` (the answers stay in `result.results`),
 * then streamed chunks, then `result.results` entries, then the run's input. Stored values are never
 * changed: a view only leaves them out. A graph too large by itself stays too large.
 */
export function fitJobView(view: JobView, maxBytes = JOB_VIEW_MAX_BYTES): JobView {
  let size = sizeOf(view);
  if (size <= maxBytes) return view;
  const fitted = structuredClone(view);
  const omitted = (bytes: number): OmittedValue => ({ truncated: true, omitted: true, bytes });

  const nodeOutputs: Slot[] = fitted.nodes.flatMap((node) => {
    const outputs = (node.data as { outputs?: unknown[] } | undefined)?.outputs ?? [];
    return outputs.map((_, i) => ({ get: () => outputs[i], set: (v: OmittedValue) => void (outputs[i] = v) }));
  });
  const streams: Slot[] = Object.values(fitted.result?.stream ?? {}).map((entry) => ({
    get: () => entry.chunks,
    set: (v: OmittedValue) => void (entry.chunks = [v]),
  }));
  const results: Slot[] = Object.values(fitted.result?.results ?? {}).flatMap((list) =>
    list.map((_, i) => ({ get: () => list[i], set: (v: OmittedValue) => void (list[i] = v) })),
  );
  const input: Slot[] = [{ get: () => fitted.input, set: (v: OmittedValue) => void (fitted.input = v as unknown as Record<string, unknown>) }];

  for (const slots of [nodeOutputs, streams, results, input]) {
    const bySize = slots.map((slot) => ({ slot, bytes: sizeOf(slot.get()) })).sort((a, b) => b.bytes - a.bytes);
    for (const { slot, bytes } of bySize) {
      if (size <= maxBytes) return fitted;
      const marker = omitted(bytes);
      const saved = bytes - sizeOf(marker);
      if (saved <= 0) break;
      slot.set(marker);
      size -= saved;
    }
  }
  return fitted;
}
