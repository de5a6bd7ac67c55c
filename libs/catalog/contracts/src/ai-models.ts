import { Page, PageQuery } from '@alien/envelope';
import { rpc } from '@alien/contracts';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { DeletedReply, ListRequest, RefFilter, RefView, Visibility } from './views';

export const MODEL_TYPES = ['llm', 'embedding', 'reranker', 'tts', 'stt', 'ocr', 'vision'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export const PRICING_TYPES = ['per_token', 'per_request', 'free'] as const;
export type PricingType = (typeof PRICING_TYPES)[number];

/** `public`: public models; `organization`: the caller's organization's; `all`: both. */
export const MODEL_SELECTS = ['public', 'organization', 'all'] as const;
export type ModelSelect = (typeof MODEL_SELECTS)[number];

export interface AiModelView {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  version: string | null;
  modelType: ModelType;
  providerId: number | null;
  provider: RefView | null;
  /** OpenAI-compatible base URL. */
  apiUrl: string;
  pricingType: PricingType;
  pricePerInputToken: number | null;
  pricePerOutputToken: number | null;
  contextWindow: number | null;
  tagIds: number[];
  tags: RefView[];
  visibility: Visibility;
  /** null: provided by the platform. */
  organizationId: number | null;
  /** Whether an API key is provisioned (the key itself is only ever returned by the credentials route). */
  hasCredentials: boolean;
  createdAt: string;
  updatedAt: string;
}

export const AI_MODEL_ORDER_BY = ['name', 'createdAt', 'updatedAt'] as const;
export type AiModelOrderBy = (typeof AI_MODEL_ORDER_BY)[number];

export type AiModelListRequest = ListRequest<
  AiModelOrderBy,
  { select: ModelSelect; modelType?: ModelType; provider?: RefFilter; tag?: RefFilter }
>;

export interface AiModelWrite {
  name: string;
  slug?: string;
  description?: string | null;
  version?: string | null;
  modelType: ModelType;
  providerId?: number | null;
  apiUrl: string;
  pricingType: PricingType;
  pricePerInputToken?: number | null;
  pricePerOutputToken?: number | null;
  contextWindow?: number | null;
  tagIds?: number[];
  visibility?: Visibility;
  /** null: a platform model (platform admins); omitted: the caller's organization (admins). */
  organizationId?: number | null;
}

export type AiModelPatch = Partial<Omit<AiModelWrite, 'organizationId'>>;

export interface CredentialsStatus {
  modelId: number;
  provisioned: true;
  expiresAt: string | null;
  updatedAt: string;
}

export interface ModelCredentials {
  apiUrl: string;
  apiKey: string;
  expiresAt: string | null;
}

export interface CredentialReadView {
  id: number;
  modelId: number;
  userId: number | null;
  organizationId: number | null;
  tokenId: number | null;
  /** `http`: `GET /ai-models/{id}/credentials`; `worker`: a workflow worker over NATS. */
  via: 'http' | 'worker';
  requestId: string | null;
  createdAt: string;
}

export const CREDENTIAL_READ_ORDER_BY = ['createdAt'] as const;

export const AiModelContracts = {
  list: rpc<AiModelListRequest, Page<AiModelView>>('catalog.ai-model.list.v1'),
  get: rpc<IdOrSlug & { organizationId?: number }, AiModelView>('catalog.ai-model.get.v1'),
  batch: rpc<BatchQuery, AiModelView[]>('catalog.ai-model.batch.v1'),
  create: rpc<AiModelWrite, AiModelView>('catalog.ai-model.create.v1'),
  update: rpc<{ id: number; patch: AiModelPatch }, AiModelView>('catalog.ai-model.update.v1'),
  remove: rpc<{ id: number }, DeletedReply>('catalog.ai-model.delete.v1'),
  credentials: {
    put: rpc<{ id: number; apiKey: string; expiresAt?: string | null }, CredentialsStatus>('catalog.ai-model.put-credentials.v1'),
    get: rpc<{ id: number }, ModelCredentials>('catalog.ai-model.get-credentials.v1'),
    revoke: rpc<{ id: number }, { id: number; revoked: true }>('catalog.ai-model.revoke-credentials.v1'),
    reads: rpc<{ id: number; page: PageQuery<'createdAt'> }, Page<CredentialReadView>>('catalog.ai-model.list-credential-reads.v1'),
    /**
     * Internal, for orchestration's workflow workers (no gateway route reaches it): a model's apiUrl and
     * apiKey for the organization a job runs in. Authorised by `ctx` like every request: the job's
     * identity must act in `organizationId` (a member), and the model must be usable by it. Audited.
     */
    forWorker: rpc<{ modelId: number; organizationId: number }, ModelCredentials & { modelId: number }>(
      'catalog.ai-model.credentials-for-worker.v1',
    ),
  },
} as const;
