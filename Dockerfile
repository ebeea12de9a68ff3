# syntax=docker/dockerfile:1

# --- build: install every dependency, compile, then drop the dev ones --------
FROM node:20-bookworm-slim AS build
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && npm prune --omit=dev

# --- runtime: compiled code and production dependencies only -----------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER node
EXPOSE 3000

# The tools are compiled too: node dist/cli/generate-keys.js, rotate-keys.js,
# run-migrations.js, user-roles.js, user-mfa.js (docker-compose.yml shows how
# to run them).

CMD ["node", "dist/main.js"]
