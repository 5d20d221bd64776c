#!/bin/sh
# pgplat-basebackup take|list|verify|prune|schedule|check|restore …: the backup tool in the backup image.
exec node /usr/local/lib/pgplat/pgplat-basebackup.js "$@"
