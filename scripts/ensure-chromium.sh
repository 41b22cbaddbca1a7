#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (no browser is ever downloaded by a test tool).
# Install it when missing and we may; otherwise say so (the browser tests then report why).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Cài Chromium từ kho Debian cho kiểm thử trình duyệt…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
else
  echo "Chưa có Chromium (sudo apt-get install chromium); các kiểm thử trình duyệt sẽ báo lỗi." >&2
fi
