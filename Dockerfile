# Berth's own image: the API and the build worker (same image, another command) on Node 20.
# Plain Dockerfile syntax only, so that the legacy builder of Docker and Podman builds it.
#   docker build -t berth:latest .            (or: docker-compose build)
# BASE_IMAGE: a Node 20 image; git and ssh (which the worker runs) are added with apk unless it
# has them already (scripts/base-images.sh makes berth-base:local for machines without a registry).
ARG BASE_IMAGE=node:20-alpine

# Production dependencies only; rebuilt when the lockfile changes.
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Full install, tsoa route and spec generation, TypeScript compilation into dist/.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${BASE_IMAGE}
RUN command -v git >/dev/null && command -v ssh >/dev/null || apk add --no-cache git openssh-client
WORKDIR /app
ENV NODE_ENV=production \
    BERTH_CONFIG=/app/config/berth.compose.toml
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config/berth.compose.toml config/berth.example.toml ./config/
# Runs as root on purpose: Berth needs the engine socket, which is root-owned on the host, and
# access to that socket is root-equivalent anyway. State (the generated token, the key that
# seals build credentials) lives here; the API and the workers must mount the same volume:
VOLUME /var/lib/berth
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
