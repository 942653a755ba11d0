# syntax=docker/dockerfile:1
# kubernest server — build from the repository root:
#   docker build -f deploy/docker/server.Dockerfile -t kubernest/server:0.1.0 .

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
EXPOSE 6443 8132
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require(\"https\").get({host:\"127.0.0.1\",port:6443,path:\"/livez\",rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on(\"error\",()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/kubernest", "server"]
