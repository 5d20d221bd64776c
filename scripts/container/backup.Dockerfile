# The backup task's image: the official PostgreSQL image of the engine's exact
# version (so pg_dump's major equals the server's; pg_dump refuses newer
# servers), Debian's AWS CLI, and pgplat-backup. Built and pushed to the stack's
# ECR repository by components/aws/backupImage.ts; the build context is this
# directory.
ARG POSTGRES_VERSION
FROM postgres:${POSTGRES_VERSION}-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends awscli \
 && rm -rf /var/lib/apt/lists/*
COPY --chmod=0755 pgplat-backup.sh /usr/local/bin/pgplat-backup
USER postgres
ENTRYPOINT []
CMD ["pgplat-backup"]
