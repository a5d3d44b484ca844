# Bookbridge companion server. Not built in this project's CI (no Docker engine there); kept
# simple on purpose: build dependencies, then a slim runtime image that runs as a non-root user.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts skips `wxt prepare` (extension typings); better-sqlite3 is rebuilt explicitly.
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3

FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8787 DATA_DIR=/data TRUST_PROXY=true
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY server ./server
COPY shared ./shared
RUN useradd --system --home /data bookbridge && mkdir -p /data && chown bookbridge /data
USER bookbridge
VOLUME /data
EXPOSE 8787
HEALTHCHECK CMD node -e "fetch('http://127.0.0.1:8787/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# PUBLIC_URL (https://...) and ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE on the volume) must be given.
CMD ["node", "--import", "tsx", "server/index.ts"]
