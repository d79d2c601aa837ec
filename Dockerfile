# syntax=docker/dockerfile:1
# The signal-ledger worker image. `docker compose up` runs it with PostgreSQL and Kafka (docker-compose.yml);
# docs/operations.md says how to deploy it. No Docker engine runs on the machines that build this project,
# so test/package/packed-install.e2e.test.ts checks what the runtime stage relies on: the same `npm pack`
# tarball, installed the same way (production dependencies only, install scripts off) into an empty folder,
# runs --version, worker --help, a worker against a real broker and PostgreSQL, and a reporting job.

# Build: dist/ from the sources with every dependency, then the package as npm would publish it.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json README.md ./
COPY src ./src
COPY schemas ./schemas
RUN npx tsc -p src/tsconfig.build.json && npm pack --ignore-scripts --pack-destination /tmp && mv /tmp/signal-ledger-*.tgz /tmp/signal-ledger.tgz

# Runtime: the official Node 24 slim image, the packed package with its production dependencies only
# (install scripts off: better-sqlite3 ships its prebuilt binaries in its npm package), as the non-root user node.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    DATABASE_URL=sqlite:////data/signals.db
WORKDIR /app
COPY --from=build /tmp/signal-ledger.tgz /tmp/signal-ledger.tgz
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund --no-package-lock /tmp/signal-ledger.tgz \
 && rm /tmp/signal-ledger.tgz && npm cache clean --force \
 && ln -s /app/node_modules/.bin/signal-ledger /usr/local/bin/signal-ledger \
 && mkdir -p /data && chown node:node /data
USER node
# the embedded SQLite default keeps its file here (sqlite:////data/...: four slashes make the path absolute);
# with PostgreSQL (DATABASE_URL) nothing is written to disk
VOLUME ["/data"]
EXPOSE 9464
# healthy: the worker's event loop answers (/livez), as a liveness probe would ask: an outage of the database or
# the broker (/readyz 503) is waited out by the worker, and a restart would not help
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || 9464) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["signal-ledger"]
CMD ["worker"]
