#!/usr/bin/env bash
# The tests use real programs from Debian: Chromium for the browser tests (no browser is ever
# downloaded by a test tool), LibreOffice (headless) for the Excel round-trip, poppler for the PDF
# reports, and wrk for the readers' benchmark. Install what is missing when we may; otherwise say
# so (those tests then report why).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-noto-core)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# The load generator of bench/readers.py (50 readers in C; Python clients took a core themselves).
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Cài từ kho Debian cho kiểm thử: ${missing[*]}…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Còn thiếu ${missing[*]} (sudo apt-get install ${missing[*]}); các kiểm thử cần chúng sẽ báo lỗi." >&2
fi
