//! The OpenAPI 3 description of `/api/v1`, written by hand next to the router; a test checks that
//! every route of `API_ROUTES` is documented, so the two cannot drift apart silently.

use axum::Json;
use serde_json::{Value, json};

fn problem_ref() -> Value {
    json!({ "description": "Problem (RFC 9457)", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

fn errors(codes: &[&str]) -> serde_json::Map<String, Value> {
    codes
        .iter()
        .map(|c| ((*c).to_owned(), problem_ref()))
        .collect()
}

fn op(
    summary: &str,
    params: Value,
    body: Option<Value>,
    ok_code: &str,
    ok_resp: Value,
    errs: &[&str],
) -> Value {
    let mut responses = errors(errs);
    responses.insert(ok_code.to_owned(), ok_resp);
    let mut o = json!({ "summary": summary, "parameters": params, "responses": responses });
    if let (Some(b), Value::Object(m)) = (body, &mut o) {
        m.insert("requestBody".into(), b);
    }
    o
}

fn path_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } })
}

fn idem() -> Value {
    json!({ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 200 },
            "description": "Same key and body → the same result, never a second dossier; same key, other body → 422 idempotency_key_reused." })
}

pub fn spec() -> Value {
    let dossier = json!({ "$ref": "#/components/schemas/Dossier" });
    let json_body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "motcua API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Administrative procedures online: catalogue, dossiers and their lifecycle (SPEC §14, §17). Authenticate with `Authorization: Bearer <token>` (`motcua token create`)."
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Problem": { "type": "object", "required": ["type", "title", "status", "code"], "properties": {
                    "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                    "code": { "type": "string", "description": "Stable machine code, e.g. illegal_transition, unknown_procedure, invalid_form" },
                    "detail": { "type": "string" }, "message_vi": { "type": "string" }, "message_en": { "type": "string" },
                    "errors": { "type": "array", "items": { "type": "object", "properties": {
                        "field": { "type": "string" }, "code": { "type": "string" }, "message_vi": { "type": "string" }, "message_en": { "type": "string" } } } },
                    "reference": { "type": "string" } } },
                "Dossier": { "type": "object", "required": ["code", "status", "procedure", "history"], "properties": {
                    "code": { "type": "string", "description": "Official code {agency}-{YYMMDD}-{seq} once submitted; a draft reference NHAP-… before" },
                    "draft_ref": { "type": "string", "nullable": true },
                    "status": { "type": "integer", "minimum": 0, "maximum": 10 },
                    "status_name_vi": { "type": "string" }, "status_name_en": { "type": "string" },
                    "procedure": { "type": "object" }, "channel": { "type": "string", "enum": ["online", "counter", "post"] },
                    "receiving_agency": { "type": "object" }, "competent_agency": { "type": "object" },
                    "due_at": { "type": "string", "format": "date-time", "nullable": true },
                    "overdue": { "type": "boolean" },
                    "form": { "type": "object" },
                    "attachments": { "type": "array", "items": { "type": "object" } },
                    "documents": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string" }, "kind": { "type": "string" }, "url": { "type": "string" } } } },
                    "history": { "type": "array", "items": { "type": "object" } } } },
                "CreateDossier": { "type": "object", "required": ["procedure"], "properties": {
                    "procedure": { "type": "string" }, "channel": { "type": "string", "enum": ["online", "counter", "post"] },
                    "applicant": { "type": "object", "properties": { "citizen_id": { "type": "string" }, "full_name": { "type": "string" } } },
                    "receiving_point": { "type": "string" }, "agency": { "type": "string" } } },
                "Action": { "type": "object", "required": ["action"], "properties": {
                    "action": { "type": "string", "enum": ["submit", "receive", "refuse", "hand_over", "assign", "consult", "record_consultation_reply",
                        "forward", "send_back", "approve", "issue_result", "return_result", "request_supplement", "supplement",
                        "request_payment", "record_payment", "extend", "request_withdrawal", "accept_withdrawal", "reject_withdrawal", "stop"] },
                    "reason": { "type": "string" }, "assignee": { "type": "string" }, "components": { "type": "array", "items": { "type": "string" } },
                    "note": { "type": "string" }, "new_due_at": { "type": "string", "format": "date-time" },
                    "delivery": { "type": "string", "enum": ["online", "counter", "post"] },
                    "recipient_name": { "type": "string", "description": "return_result at the counter: who collected it" },
                    "recipient_id": { "type": "string", "description": "return_result at the counter: their ID document number (kept masked)" },
                    "postal_code": { "type": "string", "description": "return_result by post: the postal item number" },
                    "checked": { "type": "array", "items": { "type": "string" }, "description": "receive: the officer's checklist, the components examined and found in order; when given it must name every component that has a file" } } }
            }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/openapi.json": { "get": op("This document", json!([]), None, "200", ok("OpenAPI 3", json!({ "type": "object" })), &[]) },
            "/procedures": { "get": op("Search the catalogue (with or without diacritics)",
                json!([{ "name": "q", "in": "query", "required": false, "schema": { "type": "string" } }]), None, "200",
                ok("Matching procedures", json!({ "type": "object" })), &[]) },
            "/procedures/{code}": { "get": op("A procedure's current version: form fields, components, fees, agencies",
                json!([path_param("code")]), None, "200", ok("Procedure", json!({ "type": "object" })), &["404"]) },
            "/dossiers": {
                "post": op("Create a draft dossier", json!([idem()]), Some(json_body(json!({ "$ref": "#/components/schemas/CreateDossier" }))),
                    "201", ok("Draft (status 0)", dossier.clone()), &["400", "401", "403", "422"]),
                "get": op("My dossiers (citizen) or my agency's (staff)", json!([
                    { "name": "status", "in": "query", "required": false, "schema": { "type": "integer" } },
                    { "name": "procedure", "in": "query", "required": false, "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "maximum": 500 } }]),
                    None, "200", ok("Dossiers", json!({ "type": "object" })), &["401"])
            },
            "/dossiers/{code}": { "get": op("A dossier: status, due date, history, documents", json!([path_param("code")]), None, "200", ok("Dossier", dossier.clone()), &["401", "404"]) },
            "/dossiers/{code}/form": { "put": op("Save form answers (given keys set, null clears)", json!([path_param("code")]),
                Some(json_body(json!({ "type": "object" }))), "200", ok("Dossier", dossier.clone()), &["400", "401", "404", "409", "422"]) },
            "/dossiers/{code}/attachments": { "post": op("Attach a file to a component", json!([path_param("code")]),
                Some(json!({ "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["component", "file"],
                    "properties": { "component": { "type": "string" }, "file": { "type": "string", "format": "binary" } } } } } })),
                "201", ok("Attachment", json!({ "type": "object" })), &["400", "401", "404", "409", "413", "415", "422"]) },
            "/dossiers/{code}/attachments/{id}": { "get": op("Download an attachment or result", json!([path_param("code"), path_param("id")]), None, "200",
                json!({ "description": "The file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } }), &["401", "404"]) },
            "/dossiers/{code}/submit": { "post": op("Submit (online → 1, counter → 2)", json!([path_param("code"), idem()]), None, "200", ok("Dossier", dossier.clone()), &["401", "403", "404", "409", "422"]) },
            "/dossiers/{code}/actions": { "post": op("Run an action of the lifecycle", json!([path_param("code")]),
                Some(json!({ "required": true, "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/Action" } },
                    "multipart/form-data": { "schema": { "type": "object", "properties": { "action": { "type": "string" }, "file": { "type": "string", "format": "binary" } } } } } })),
                "200", ok("Dossier", dossier), &["400", "401", "403", "404", "409", "422"]) },
            "/track/{code}": { "get": op("Public status by dossier code (no login)", json!([path_param("code")]), None, "200", ok("Minimal status", json!({ "type": "object" })), &["404"]) },
            "/documents/{id}": { "get": op("Public facts of an issued document (type, number, agency, date, status, SHA-256)", json!([path_param("id")]), None, "200", ok("Register entry", json!({ "type": "object", "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "number": { "type": "string" }, "agency": { "type": "string" }, "issued_at": { "type": "string", "format": "date-time" }, "status": { "type": "string", "enum": ["valid", "revoked"] }, "sha256": { "type": "string" }, "signer": { "type": "string" } } })), &["404"]) },
            "/documents/{id}/revoke": { "post": op("Revoke an issued document (leader of the issuing agency; audited)", json!([path_param("id")]),
                Some(json_body(json!({ "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string" } } }))),
                "200", ok("Revoked", json!({ "type": "object" })), &["401", "403", "404", "409", "422"]) },
            "/verify": { "post": op("Check a PDF: PAdES signature, chain to the deployment CA, and the register", json!([]),
                Some(json!({ "required": true, "content": { "application/pdf": { "schema": { "type": "string", "format": "binary" } } } })),
                "200", ok("Outcome", json!({ "type": "object", "properties": { "signature_valid": { "type": "boolean" }, "genuine": { "type": "boolean" }, "failed_checks": { "type": "array", "items": { "type": "string" } }, "sha256": { "type": "string" } } })), &["422"]) },
            "/me": { "get": op("Who am I", json!([]), None, "200", ok("Principal", json!({ "type": "object" })), &["401"]) },
            "/me/documents": { "get": op("The citizen's electronic results from all their dossiers (title, number, issuing agency, date, valid/revoked, SHA-256, download and verification links)", json!([]), None, "200",
                ok("Electronic results", json!({ "type": "object", "properties": { "count": { "type": "integer" }, "items": { "type": "array", "items": { "type": "object" } } } })), &["401", "403"]) },
            "/auth/staff": { "post": op("Staff password login (sets the session cookie)", json!([]),
                Some(json_body(json!({ "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" }, "totp": { "type": "string", "description": "6-digit authenticator code, for staff who turned on two-step sign-in" } } }))),
                "200", ok("Signed in", json!({ "type": "object" })), &["401", "423"]) }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
