#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis servers the tests talk to answer on loopback.
# Where they do not (a plain Debian machine), installs them from Debian's packages
# and starts them, so the service tests never skip silently.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  for _ in $(seq 1 60); do answers "$1" && return 0; sleep 0.5; done
  echo "$2 did not start answering on 127.0.0.1:$1" >&2; return 1
}

if ! answers 5432; then
  bash "$(dirname "$0")/install-system.sh" services
  version=$(ls /etc/postgresql | sort -n | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # Test machine only: let local TCP clients in without a password, as the CI machines do.
  grep -q "lantai-test" "$hba" || sed -i '1i host all all 127.0.0.1/32 trust # lantai-test' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  wait_for 5432 PostgreSQL
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -c "create database test" >/dev/null

if ! answers 6379; then
  bash "$(dirname "$0")/install-system.sh" services
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/lantai-test.log
  wait_for 6379 Redis
fi
echo "PostgreSQL and Redis answer on 127.0.0.1"
