#!/usr/bin/env bash
# Installs the Debian packages Lantai needs, skipping those already installed.
#   runtime: Tesseract with Simplified/Traditional Chinese and English data, libmagic,
#            postgresql-client-15 (Debian 12; pg_dump/pg_restore for `lantai backup` of a PostgreSQL catalog)
#   test:    what the test suite adds (headless Chromium, PostgreSQL and Redis servers, nginx)
#   python:  Python 3.11 with venv, for a machine that lacks it
set -euo pipefail

case "${1:-runtime}" in
  runtime) packages=(tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-eng
                     tesseract-ocr-osd tesseract-ocr-chi-sim-vert tesseract-ocr-chi-tra-vert
                     libmagic1 fonts-wqy-zenhei libgl1 libglib2.0-0 postgresql-client-15) ;;
  test)    packages=(chromium fonts-noto-cjk zip nginx) ;;
  services) packages=(postgresql redis-server) ;;
  python)  packages=(python3.11 python3.11-venv) ;;
  *) echo "usage: $0 runtime|test|services|python" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Lantai needs these Debian packages: ${missing[*]}" >&2
  echo "Run as root, or install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them when older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
