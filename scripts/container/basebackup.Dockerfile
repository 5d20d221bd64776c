# The Docker target's backup image: the stack's own PostgreSQL image plus Node
# and the backup tool bundled into one file (scripts/container/bundle-basebackup.sh,
# the same bundle the tests run against PostgreSQL 16). Build context: the repository.
ARG POSTGRES_IMAGE
FROM node:20.19-bookworm-slim AS bundle
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY backups ./backups
COPY config ./config
COPY migrations ./migrations
COPY scripts ./scripts
RUN bash scripts/container/bundle-basebackup.sh /out/pgplat-basebackup.js

FROM ${POSTGRES_IMAGE}
COPY --from=bundle /usr/local/bin/node /usr/local/bin/node
COPY --from=bundle /out/pgplat-basebackup.js /usr/local/lib/pgplat/pgplat-basebackup.js
COPY scripts/container/pgplat-basebackup.sh /usr/local/bin/pgplat-basebackup
