#!/usr/bin/env bash
# The README's API walk-through, runnable: create → fill form → upload → submit → receive → assign →
# forward → approve → issue result → return. Usage: scripts/walkthrough.sh [base URL] [motcua command]
# Needs curl and python3 (for reading JSON). Exits non-zero at the first unexpected answer.
# With MOTCUA_RESULT_DIR set, the signed result and the trust root are saved there as result.pdf
# and ca.pem (scripts/check-signed-result.sh checks them with third-party validators).
set -euo pipefail
ROOT="${1:-http://127.0.0.1:8080}"
B="$ROOT/api/v1"
MOTCUA="${2:-cargo run --release --quiet --}"
EX="$(cd "$(dirname "$0")/../docs/examples" && pwd)"
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

CITIZEN=$($MOTCUA token create --citizen 031085012345)
OFFICER=$($MOTCUA token create --user officer@H31.11341)
LEADER=$($MOTCUA token create --user leader@H31.11341)
SPECIALIST=$($MOTCUA token create --user specialist@H31.11341)
CLERK=$($MOTCUA token create --user clerk@H31.11341)

# 1. Citizen A creates a birth-registration draft (the Idempotency-Key makes a retry harmless).
DRAFT=$(curl -sf -X POST "$B/dossiers" -H "Authorization: Bearer $CITIZEN" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: wt-$RANDOM$RANDOM" \
  -d '{"procedure":"1.001193"}' | field "['code']")
echo "draft: $DRAFT"
# 2. Fill in the form and upload the birth notice.
curl -sf -X PUT "$B/dossiers/$DRAFT/form" -H "Authorization: Bearer $CITIZEN" \
  -H 'Content-Type: application/json' -d @"$EX/birth-registration-form.json" > /dev/null
curl -sf -X POST "$B/dossiers/$DRAFT/attachments" -H "Authorization: Bearer $CITIZEN" \
  -F component=giay_chung_sinh -F "file=@$EX/sample.pdf;type=application/pdf" > /dev/null
# 3. Submit: the official code {agency}-{YYMMDD}-{seq} is given now (status 1).
CODE=$(curl -sf -X POST "$B/dossiers/$DRAFT/submit" -H "Authorization: Bearer $CITIZEN" | field "['code']")
echo "submitted: $CODE"
act() { curl -sf -X POST "$B/dossiers/$CODE/actions" -H "Authorization: Bearer $1" \
  -H 'Content-Type: application/json' -d "$2" | field "['status']"; }
echo "receive → $(act "$OFFICER" '{"action":"receive"}')"
echo "assign → $(act "$LEADER" '{"action":"assign","assignee":"specialist@H31.11341"}')"
echo "forward → $(act "$SPECIALIST" '{"action":"forward","opinion":"Hồ sơ đầy đủ, hợp lệ, đủ điều kiện đăng ký khai sinh (Luật Hộ tịch, Điều 16).","proposal":"Đề nghị lãnh đạo ký Giấy khai sinh."}')"
echo "approve → $(act "$LEADER" '{"action":"approve","opinion":"Đồng ý."}')"
# No file: the result is drafted from the dossier and the decision, numbered and signed with the
# agency's key (a signed PDF can be uploaded instead, as multipart with a `file` part).
ISSUED=$(curl -sf -X POST "$B/dossiers/$CODE/actions" -H "Authorization: Bearer $CLERK" \
  -H 'Content-Type: application/json' \
  -d '{"action":"issue_result","decision":"Cấp bản chính Giấy khai sinh cho trẻ."}')
echo "issue_result → $(echo "$ISSUED" | field "['status']") ($(echo "$ISSUED" | field "['documents'][0]['number']"))"
if [ -n "${MOTCUA_RESULT_DIR:-}" ]; then
  mkdir -p "$MOTCUA_RESULT_DIR"
  curl -sf -H "Authorization: Bearer $CITIZEN" "$ROOT$(echo "$ISSUED" | field "['documents'][0]['url']")" \
    -o "$MOTCUA_RESULT_DIR/result.pdf"
  curl -sf "$ROOT/verify/ca.pem" -o "$MOTCUA_RESULT_DIR/ca.pem"
  echo "signed result saved to $MOTCUA_RESULT_DIR/result.pdf"
fi
echo "return_result → $(act "$OFFICER" '{"action":"return_result"}')"
STATUS=$(curl -sf "$B/track/$CODE" | field "['status']")
test "$STATUS" = 10
echo "public tracking of $CODE: status $STATUS (result returned)"
