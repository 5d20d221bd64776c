#!/bin/sh
# PostgreSQL archive_command: archive-wal.sh <%p> <%f> <archive-dir>
#
# Copies one WAL segment into the archive atomically and never overwrites:
# the copy goes to a temporary name, is flushed, and is then hard-linked to its
# final name; link(2) fails if that name exists, even when two archivers race.
# A segment that is already archived with identical content counts as success
# (the server may have crashed after archiving but before recording it); any
# other existing file is an error, so PostgreSQL keeps the segment and retries.
set -eu

if [ "$#" -ne 3 ]; then
  echo "usage: archive-wal.sh <wal-path> <wal-file-name> <archive-dir>" >&2
  exit 2
fi
source_path=$1
segment=$2
archive_dir=$3
destination="$archive_dir/$segment"

if [ -e "$destination" ]; then
  if cmp -s "$source_path" "$destination"; then
    exit 0
  fi
  echo "archive-wal: $destination already exists with different content; refusing to overwrite it" >&2
  exit 1
fi

temporary="$archive_dir/.$segment.partial.$$"
trap 'rm -f "$temporary"' EXIT
cp "$source_path" "$temporary"
sync "$temporary"
ln "$temporary" "$destination"
sync "$archive_dir"
