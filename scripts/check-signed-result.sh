#!/usr/bin/env bash
# Checks an issued result the way a third party would, with tools that are not ours:
# poppler's pdfsig (NSS trust store holding only our published root), pyHanko's validator,
# pdftotext (the Vietnamese text is real text), pdftoppm (the page renders) and zbarimg (the QR
# code opens the document's verification page, which says it is valid); then the same
# file with one byte changed must be refused by all three verifiers, ours included.
# Usage: scripts/check-signed-result.sh RESULT.pdf CA.pem "MOTCUA COMMAND" [expected text]
# Needs poppler-utils, libnss3-tools, zbar-tools, curl and pyhanko-cli; the server must be running.
set -euo pipefail
PDF="$1"
CA="$2"
MOTCUA="$3"
EXPECT="${4:-GIẤY KHAI SINH}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

certutil -N -d "sql:$work/nss" --empty-password 2>/dev/null || {
  mkdir -p "$work/nss"
  certutil -N -d "sql:$work/nss" --empty-password
}
certutil -A -d "sql:$work/nss" -n motcua-ca -t "CT,C,C" -i "$CA"

echo "-- pdfsig"
pdfsig -nssdir "sql:$work/nss" "$PDF" | tee "$work/pdfsig.txt"
grep -q "Signature Validation: Signature is Valid." "$work/pdfsig.txt"
grep -q "Certificate Validation: Certificate is Trusted." "$work/pdfsig.txt"
grep -q "Total document signed" "$work/pdfsig.txt"
grep -q "Signature Type: ETSI.CAdES.detached" "$work/pdfsig.txt"

echo "-- pyHanko"
pyhanko sign validate --trust "$CA" --trust-replace --pretty-print "$PDF" >"$work/pyhanko.txt" 2>&1 || {
  cat "$work/pyhanko.txt"
  exit 1
}
grep -E "judged VALID|covers the entire file|signer's certificate is trusted" "$work/pyhanko.txt"
grep -q "The signature is judged VALID." "$work/pyhanko.txt"

echo "-- motcua verify (offline, published root) and against the register"
$MOTCUA verify "$PDF" --ca "$CA"
$MOTCUA verify "$PDF" | tee "$work/ours.txt"
grep -q "^GENUINE$" "$work/ours.txt"

echo "-- text and rendering"
pdftotext "$PDF" "$work/text.txt"
grep -q "$EXPECT" "$work/text.txt"
grep -q "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" "$work/text.txt"
pdftoppm -r 40 -f 1 -l 1 -png "$PDF" "$work/page"
test -s "$(ls "$work"/page*.png | head -1)"
pdfinfo "$PDF" | grep -E "^(Title|Pages|Page size):"

echo "-- the QR code opens the verification page"
pdftoppm -r 150 -f 1 -l 1 -png "$PDF" "$work/qr"
url=$(zbarimg -q --raw "$(ls "$work"/qr*.png | head -1)" 2>/dev/null | head -1)
echo "QR: $url"
echo "$url" | grep -Eq '/verify/[0-9a-f-]{36}$'
curl -sf "$url" >"$work/verify.html"
number=$(pdfinfo "$PDF" | sed -n 's/^Title:.*– //p')
grep -q "$number" "$work/verify.html"
grep -q "Còn hiệu lực" "$work/verify.html"
echo "verification page of $number: valid"

echo "-- one byte changed inside the signed range"
python3 - "$PDF" "$work/tampered.pdf" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"motcua (krilla)")
assert at > 0, "producer string not found"
data[at + 13] ^= 0x01
open(sys.argv[2], "wb").write(data)
PY
pdfsig -nssdir "sql:$work/nss" "$work/tampered.pdf" >"$work/t-pdfsig.txt" 2>&1 || true
if grep -q "Signature is Valid." "$work/t-pdfsig.txt"; then
  echo "pdfsig accepted a tampered file"; exit 1
fi
grep "Signature Validation" "$work/t-pdfsig.txt" || true
if pyhanko sign validate --trust "$CA" --trust-replace --pretty-print "$work/tampered.pdf" >"$work/t-pyhanko.txt" 2>&1 &&
  grep -q "judged VALID" "$work/t-pyhanko.txt"; then
  echo "pyHanko accepted a tampered file"; exit 1
fi
grep -E "judged|INVALID|invalid" "$work/t-pyhanko.txt" | head -3 || true
if $MOTCUA verify "$work/tampered.pdf" --ca "$CA" >"$work/t-ours.txt"; then
  echo "motcua verify accepted a tampered file"; exit 1
fi
grep -E "FAILED|INVALID" "$work/t-ours.txt"
echo "signed result: accepted by pdfsig, pyHanko and motcua; the tampered copy refused by all three"
