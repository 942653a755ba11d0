# syntax=docker/dockerfile:1
# kubernest watch-cache — build from the repository root:
#   docker build -f deploy/docker/watch-cache.Dockerfile -t kubernest/watch-cache:0.1.0 .

# ---- build: full toolchain (better-sqlite3 may compile), dev dependencies, tsc ----
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json nest-cli.json ./
COPY bin ./bin
COPY apps ./apps
COPY libs ./libs
COPY deploy ./deploy
COPY proto ./proto
RUN npm ci && npm run build && npm prune --omit=dev

# ---- runtime: slim Node 20, only dist/, production node_modules, bin/ and the .proto files ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/kubernest
COPY --from=build --chown=0:0 /src/package.json ./package.json
COPY --from=build --chown=0:0 /src/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
COPY --from=build --chown=0:0 /src/bin ./bin
COPY --from=build --chown=0:0 /src/proto ./proto
# numeric non-root user (no passwd entry needed; Kubernetes runAsNonRoot can verify it)
USER 65532:65532
EXPOSE 7443
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require(\"net\").connect(7443,\"127.0.0.1\").on(\"connect\",()=>process.exit(0)).on(\"error\",()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/kubernest", "watch-cache"]
