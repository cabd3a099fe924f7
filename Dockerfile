# Berth's own image: the API and the build worker (same image, another command) on Node 20.
# Plain Dockerfile syntax only, so that the legacy builder of Docker and Podman builds it.
#   docker build -t berth:latest .            (or: docker-compose build)

# Production dependencies only; rebuilt when the lockfile changes.
FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

# Full install, tsoa route and spec generation, TypeScript compilation into dist/.
FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-alpine
WORKDIR /app
ENV NODE_ENV=production \
    BERTH_CONFIG=/app/config/berth.compose.toml
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config/berth.compose.toml config/berth.example.toml ./config/
# Runs as root on purpose: Berth needs the engine socket, which is root-owned on the host, and
# access to that socket is root-equivalent anyway. State (the generated token) lives here:
VOLUME /var/lib/berth
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
