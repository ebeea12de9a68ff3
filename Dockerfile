# syntax=docker/dockerfile:1

# Node.js 24 (LTS), pinned by digest so that every build starts from the same
# bytes; let Renovate or Dependabot move the digest (and the tag with it).
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# --- build: every dependency, then compile ----------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: none is needed to build (the native argon2 comes
# prebuilt), and some only phone home.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only -------------------------------------------
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Left out as well, though npm counts them as production's: TypeScript and
# ts-node (an optional peer of TypeORM, for its own CLI; the image runs
# compiled code) and Swagger UI's assets (Swagger is off in production).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/typescript node_modules/ts-node node_modules/swagger-ui-dist \
 && npm cache clean --force

# --- runtime: compiled code and production dependencies ---------------------
FROM ${NODE_IMAGE} AS runtime
# npm, npx, yarn and corepack are not needed to run the service: fewer
# packages for a scanner to flag.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && mkdir -p /app/data /app/keys \
 && chown node:node /app/data
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    JWT_KEYS_DIR=/app/keys
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/dist ./dist

USER node
EXPOSE 3000

# The process answers: /health/live (readiness, which also needs the
# database, is for the orchestrator's routing: /health/ready).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# The tools are compiled too: node dist/cli/generate-keys.js, rotate-keys.js,
# run-migrations.js, revert-migration.js, user-roles.js, user-mfa.js.
CMD ["node", "dist/main.js"]
