# MLOps Guide container. The steps mirror the README's manual install (which CI exercises):
#   npm ci  ->  npx mlops-guide kb build  ->  npm prune --omit=dev  ->  npx mlops-guide serve
# Nothing is downloaded at run time: the word vectors and the search index are built into the image.

# ---- build: compilers for hnswlib-node, all dependencies, vectors + index --------------------------------------
FROM node:24-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY prompts ./prompts
COPY knowledge ./knowledge
COPY docs ./docs
# Converts the 294 MB word-vector JSON once into a ~11 MB binary and builds the index (DATA_DIR/vectors, /index).
ENV DATA_DIR=/app/data
RUN npx mlops-guide kb check && npx mlops-guide kb build \
 && mkdir -p /app/data/state /app/data/cache
# Production dependencies only for the final stage (drops the word-vector JSON, test and build tools).
RUN npm prune --omit=dev --no-audit --no-fund

# ---- run ------------------------------------------------------------------------------------------------------
FROM node:24-slim
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    KNOWLEDGE_DIR=/app/knowledge \
    HOST=0.0.0.0 \
    PORT=3978
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/adapters ./adapters
COPY --from=build /app/prompts ./prompts
COPY --from=build /app/knowledge ./knowledge
# The privacy and terms pages the bot serves (/privacy, /terms), edited by the operator.
COPY --from=build /app/docs ./docs
# DATA_DIR (vectors, index, cache, state) belongs to the runtime user: a fresh named volume mounted on
# /app/data/state is initialised from this directory, so it is owned by `node` too and SQLite can create its files.
COPY --from=build --chown=node:node /app/data ./data
# The node image's unprivileged user (uid 1000); state (SQLite) lives in /app/data/state, mount a volume there to
# keep it. The image fails to build if that user cannot write every part of DATA_DIR.
USER node
RUN for d in /app/data /app/data/state /app/data/index /app/data/cache /app/data/vectors; do \
      test -w "$d" || { echo "$d is not writable by $(id -un)" >&2; exit 1; }; \
    done
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/mlops-guide.js", "serve"]
