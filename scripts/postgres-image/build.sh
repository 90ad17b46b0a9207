#!/usr/bin/env bash
# Builds a local PostgreSQL image for the container provider's tests, where no image registry can be
# reached: a minimal Debian (bookworm) with Debian's `postgresql` package, plus an entrypoint that
# behaves like the official image's for what testcontainers uses (POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB, port 5432 on every address, pg_isready on PATH).
#
# Usage: scripts/postgres-image/build.sh [--force]
# Tags: migtest/postgres:15, and postgres:15 unless that name is taken by another image (so the
# default image name works offline). Needs root, debootstrap and a running Docker engine.
# Idempotent: when migtest/postgres:15 exists, it only makes sure of the tags (--force rebuilds).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
image="migtest/postgres:15"
alias="postgres:15"
suite="bookworm"

force=0
[[ "${1:-}" == "--force" ]] && force=1

log() { printf 'postgres-image: %s\n' "$*" >&2; }

tag_alias() {
  # Never replaces a real postgres:15 someone pulled: only a missing tag, or one that is ours.
  local ours current
  ours="$(docker image inspect --format '{{.Id}}' "$image")"
  current="$(docker image inspect --format '{{.Id}}' "$alias" 2>/dev/null || true)"
  if [[ -z "$current" ]]; then
    docker tag "$image" "$alias"
    log "tagged $alias"
  elif [[ "$current" != "$ours" && "$(docker image inspect --format '{{index .Config.Labels "org.migtest.image"}}' "$alias" 2>/dev/null)" != "postgres" ]]; then
    log "$alias is another image; left as it is (use $image)"
  elif [[ "$current" != "$ours" ]]; then
    docker tag "$image" "$alias"
    log "re-tagged $alias"
  fi
}

# The Debian mirror this machine's apt already uses: no registry or mirror name is hard-coded.
debian_mirror() {
  local file uri
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    # deb822 stanzas: the first URIs of a stanza whose Suites has the plain suite name.
    uri="$(awk -v suite="$suite" '
      /^[[:space:]]*$/ { if (uris != "" && hit) { print uris; exit } uris = ""; hit = 0; next }
      /^URIs:/ { uris = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
      END { if (uris != "" && hit) print uris }
    ' "$file" | head -n 1)"
    if [[ -n "$uri" ]]; then echo "$uri"; return; fi
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$file" ]] || continue
    uri="$(awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' "$file")"
    if [[ -n "$uri" ]]; then echo "$uri"; return; fi
  done
  log "no Debian $suite mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/"
  exit 2
}

if ! docker info >/dev/null 2>&1; then
  log "no Docker engine answers (docker info failed): start dockerd first"
  exit 2
fi

if [[ "$force" == 0 ]] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image exists; not rebuilt (--force rebuilds)"
  tag_alias
  exit 0
fi

command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install -y debootstrap"; exit 2; }

mirror="$(debian_mirror)"
work="$(mktemp -d /var/tmp/migtest-postgres-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
started=$SECONDS

log "debootstrap $suite (minbase + postgresql) from $mirror"
debootstrap --variant=minbase --include=postgresql "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

major="$(ls "$root/usr/lib/postgresql" | sort -n | tail -n 1)"
[[ "$major" == "15" ]] || { log "expected PostgreSQL 15 in $suite, found '$major'"; exit 1; }

install -m 0755 "$here/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
# The package's own cluster (15/main) is never used: the entrypoint makes one in PGDATA at first start.
rm -rf "$root/var/lib/postgresql/$major" "$root/etc/postgresql/$major"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"

log "docker import as $image"
tar -C "$root" --numeric-owner -c . | docker import \
  --change "ENV PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV PGDATA=/var/lib/postgresql/data" \
  --change "ENV LANG=C.UTF-8" \
  --change "LABEL org.migtest.image=postgres" \
  --change "EXPOSE 5432" \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  - "$image" >/dev/null
tag_alias
log "built $image in $((SECONDS - started)) s"
