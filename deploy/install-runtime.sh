#!/bin/sh
# Runtime packages of the onebase images (Debian-based runtime images; run by the Dockerfiles as root).
#   install-runtime.sh PG_MAJOR WITH_SERVER [extra packages...]
# PG_MAJOR: major version of the PostgreSQL tools, the same as the database server's (pg_dump, pg_basebackup and
#   pg_receivewal refuse servers newer than themselves). Debian 12 carries 15; other majors need a runtime image whose
#   apt sources have them (docs/deploy.md).
# WITH_SERVER: "true" also installs the server binaries (postgres, initdb, pg_ctl), which the full-copy restore test,
#   point-in-time recovery and the embedded default database need; "false" installs the client tools only.
set -eu
pg_major="$1"; with_server="$2"; shift 2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ "$with_server" = "true" ]; then
  # never create a "main" cluster in the image
  apt-get install -y -q --no-install-recommends postgresql-common
  sed -ri 's/^#?[[:space:]]*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  pg_packages="postgresql-$pg_major postgresql-client-$pg_major"
else
  pg_packages="postgresql-client-$pg_major"
fi
# zstd/lz4: restores extract server-compressed full copies with tar -I; tzdata: cron schedules in named zones;
# libfreetype6/libfontconfig1: java.awt (quarkus-awt) for thumbnails, in the native binary and on the JVM
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pg_packages tar zstd lz4 ca-certificates tzdata libfreetype6 libfontconfig1 "$@"
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*
test -x "/usr/lib/postgresql/$pg_major/bin/pg_dump"
test -x "/usr/lib/postgresql/$pg_major/bin/pg_receivewal"
# the unprivileged user onebase runs as (PostgreSQL servers refuse root); numeric, so runAsNonRoot can verify it
groupadd --system --gid 10001 onebase
useradd --system --uid 10001 --gid 10001 --home-dir /work --shell /usr/sbin/nologin onebase
mkdir -p /work /var/lib/onebase/backups
chown -R 10001:10001 /work /var/lib/onebase
