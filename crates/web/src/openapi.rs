//! The OpenAPI 3 description of `/api/v1`, written by hand next to the router.
//!
//! Why by hand and not generated (utoipa 5 + utoipa-axum 0.2, which do support axum 0.8): our
//! handlers read their bodies themselves (`Bytes`, `Multipart`, a raw `Request` that is either
//! JSON or multipart) so that every refusal is a problem with a stable code, and they answer
//! `serde_json::Value`s built from the use cases' views. Generation would describe none of that
//! from the types: each operation would still need hand-written `request_body`, multipart and
//! status annotations, the views and the lifecycle's `Command` live in crates that must not depend
//! on a web library (`domain` depends on serde, chrono, thiserror and deunicode only), and what
//! the edge adds to every operation (413, 414, 415, 429 with `Retry-After`, problem+json) is not
//! in any handler's signature. So the document stays here, in one place, and is held to the
//! server by tests rather than by a macro: `tests/openapi.rs` checks that every route is
//! documented, that every operation lists the statuses its class of input can produce, and CI
//! runs schemathesis with all its checks against the running server.
//!
//! The rules the document follows (and the tests check): public operations say `security: []`;
//! every error is `application/problem+json` with the `Problem` schema; every operation lists
//! 414 (the edge's URI limit), 429 with `Retry-After` (callers without credentials share a
//! ceiling per address, and some operations have their own limits) and 500; signed-in
//! operations list 401; operations with path, query or header parameters list 400 (a value that
//! does not parse); operations with a body list 400, 413 and 415.

use axum::Json;
use serde_json::{Map, Value, json};

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    SignedIn,
}

/// One operation, before the statuses every operation of its class shares are added.
struct Op {
    id: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
    access: Access,
    params: Vec<Value>,
    body: Option<Value>,
    /// Success status and its response object.
    ok: (&'static str, Value),
    /// Statuses particular to this operation (403, 404, 409, 422, 429, 503…).
    errors: &'static [u16],
}

fn problem_response(status: u16) -> Value {
    json!({ "$ref": format!("#/components/responses/Problem{status}") })
}

fn json_ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

impl Op {
    fn build(self) -> Value {
        let mut statuses: Vec<u16> = self.errors.to_vec();
        // The edge's URI limit, the anonymous ceiling and unexpected failures apply to every
        // operation.
        statuses.extend([414, 429, 500]);
        if self.access == Access::SignedIn {
            statuses.push(401);
        }
        if !self.params.is_empty()
            && self
                .params
                .iter()
                .any(|p| p["in"] == "path" || p["in"] == "query" || p["in"] == "header")
        {
            statuses.push(400);
        }
        if self.body.is_some() {
            statuses.extend([400, 413, 415]);
        }
        statuses.sort_unstable();
        statuses.dedup();
        let mut responses = Map::new();
        let (ok_status, ok_response) = self.ok;
        responses.insert(ok_status.to_owned(), ok_response);
        for s in statuses {
            responses.insert(s.to_string(), problem_response(s));
        }
        let mut op = json!({
            "operationId": self.id,
            "summary": self.summary,
            "parameters": self.params,
            "responses": responses,
        });
        if let Value::Object(m) = &mut op {
            if let Some(d) = self.description {
                m.insert("description".into(), json!(d));
            }
            if let Some(b) = self.body {
                m.insert("requestBody".into(), b);
            }
            if self.access == Access::Public {
                m.insert("security".into(), json!([]));
            }
        }
        op
    }
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

fn procedure_code() -> Value {
    path_param(
        "code",
        "National procedure code (mã TTHC): one digit, a dot, six digits",
        json!({ "type": "string", "pattern": "^[0-9]\\.[0-9]{6}$", "example": "1.001193" }),
    )
}

fn dossier_code() -> Value {
    path_param(
        "code",
        "The dossier's official code `{agency}-{YYMMDD}-{seq}`, or its draft reference `NHAP-…` before submission. Unknown or invisible codes are 404.",
        json!({ "type": "string", "minLength": 1, "example": "NHAP-ABCDEFGH23" }),
    )
}

fn uuid_param(name: &str, description: &str) -> Value {
    path_param(
        name,
        description,
        json!({ "type": "string", "format": "uuid" }),
    )
}

fn idempotency_key() -> Value {
    json!({ "name": "Idempotency-Key", "in": "header", "required": false,
            "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$" },
            "description": "1–200 printable ASCII characters. Same key and body → the same result, never a second dossier; same key, other body → 422 idempotency_key_reused." })
}

/// Links from a response that holds a dossier to the operations on it.
fn dossier_links(operations: &[&str]) -> Value {
    Value::Object(
        operations
            .iter()
            .map(|op| {
                (
                    (*op).to_owned(),
                    json!({ "operationId": op, "parameters": { "code": "$response.body#/code" } }),
                )
            })
            .collect(),
    )
}

fn json_body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn replayed_header() -> Value {
    json!({ "Idempotency-Replayed": { "description": "Present when the answer is the stored result of an earlier request with the same Idempotency-Key",
        "schema": { "type": "string", "enum": ["true"] } } })
}

fn date_time(nullable: bool) -> Value {
    if nullable {
        json!({ "type": "string", "format": "date-time", "nullable": true })
    } else {
        json!({ "type": "string", "format": "date-time" })
    }
}

fn nullable_string() -> Value {
    json!({ "type": "string", "nullable": true })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

/// The lifecycle's commands as the server parses them: the `action` names the command, and each
/// command's own fields are required unless the command has a default for them. Unknown fields
/// are ignored, as serde ignores them.
fn action_schema() -> Value {
    let s = || json!({ "type": "string" });
    let variants: Vec<(&str, Vec<&str>, Value)> = vec![
        ("submit", vec![], json!({})),
        (
            "receive",
            vec![],
            json!({ "checked": { "type": "array", "items": { "type": "string" },
                "description": "The officer's checklist: the components examined and found in order; when given it must name every component that has a file" } }),
        ),
        ("refuse", vec!["reason"], json!({ "reason": s() })),
        ("hand_over", vec![], json!({})),
        (
            "assign",
            vec!["assignee"],
            json!({ "assignee": { "type": "string", "description": "Username of the specialist" } }),
        ),
        (
            "consult",
            vec![],
            json!({ "agency": { "type": "string", "description": "The agency consulted (code or name)" },
                    "question": s(), "note": { "type": "string", "description": "Alias of question" } }),
        ),
        (
            "record_consultation_reply",
            vec!["reply"],
            json!({ "reply": s() }),
        ),
        (
            "forward",
            vec!["opinion", "proposal"],
            json!({ "opinion": { "type": "string", "description": "The specialist's appraisal (ý kiến thẩm định)" },
                    "proposal": { "type": "string", "description": "What the specialist proposes the leader decide (đề xuất)" } }),
        ),
        ("send_back", vec!["reason"], json!({ "reason": s() })),
        (
            "approve",
            vec![],
            json!({ "opinion": { "type": "string", "description": "The leader's own opinion on the proposal (optional)" } }),
        ),
        (
            "issue_result",
            vec![],
            json!({ "decision": { "type": "string", "description": "The decision written into the result the system drafts (when no PDF is uploaded)" } }),
        ),
        (
            "return_result",
            vec![],
            json!({ "delivery": { "type": "string", "enum": ["online", "counter", "post"], "default": "online" },
                    "recipient_name": { "type": "string", "description": "At the counter: who collected it" },
                    "recipient_id": { "type": "string", "description": "At the counter: their ID document number (kept masked)" },
                    "postal_code": { "type": "string", "description": "By post: the postal item number" } }),
        ),
        (
            "request_supplement",
            vec!["components", "note"],
            json!({ "components": { "type": "array", "items": { "type": "string" } }, "note": s() }),
        ),
        ("supplement", vec![], json!({})),
        (
            "request_payment",
            vec![],
            json!({ "note": s(), "lines": { "type": "array", "description": "Lines of the procedure's fee catalogue added to what the form costs (index into the procedure's fees); never an amount",
                "items": { "type": "object", "required": ["line"], "additionalProperties": false, "properties": {
                    "line": { "type": "integer", "minimum": 0 }, "quantity": { "type": "integer", "minimum": 1, "maximum": 100 } } } } }),
        ),
        ("record_payment", vec![], json!({})),
        (
            "extend",
            vec!["new_due_at", "reason"],
            json!({ "new_due_at": date_time(false), "reason": s() }),
        ),
        ("request_withdrawal", vec![], json!({ "reason": s() })),
        ("accept_withdrawal", vec![], json!({})),
        ("reject_withdrawal", vec![], json!({ "reason": s() })),
        ("stop", vec!["reason"], json!({ "reason": s() })),
    ];
    let one_of: Vec<Value> = variants
        .into_iter()
        .map(|(name, mut required, props)| {
            let mut properties = Map::new();
            properties.insert("action".into(), json!({ "type": "string", "enum": [name] }));
            if let Value::Object(p) = props {
                properties.extend(p);
            }
            required.insert(0, "action");
            json!({ "type": "object", "title": name, "required": required, "properties": properties })
        })
        .collect();
    json!({ "oneOf": one_of, "discriminator": { "propertyName": "action" } })
}

fn dossier_schema(status: Value, channel: Value) -> Value {
    let documents = json!({ "type": "array", "items": object(
        &["id", "kind", "file_name", "sha256", "url", "number", "signer", "status", "verify_url"],
        json!({ "id": { "type": "string" }, "kind": { "type": "string" }, "file_name": { "type": "string" },
            "sha256": nullable_string(), "url": { "type": "string" }, "number": nullable_string(),
            "signer": nullable_string(), "status": { "type": "string", "nullable": true, "enum": ["valid", "revoked", null] },
            "verify_url": nullable_string() })) });
    let history = json!({ "type": "array", "items": object(
        &["at", "action", "from_status", "to_status", "actor", "agency", "receiving_point", "note"],
        json!({ "at": date_time(false), "action": { "type": "string" },
            "from_status": { "type": "integer" }, "to_status": { "type": "integer" },
            "actor": { "type": "string" }, "agency": nullable_string(),
            "receiving_point": nullable_string(), "note": nullable_string() })) });
    let supplement_request = json!({ "type": "object", "nullable": true, "required": ["components", "requested_at"], "properties": {
        "components": { "type": "array", "items": { "type": "string" } }, "requested_at": date_time(true) } });
    let fees = object(
        &["lines", "total"],
        json!({
            "lines": { "type": "array", "items": object(
                &["name", "name_en", "quantity", "unit_amount", "amount", "exempt"],
                json!({ "name": { "type": "string" }, "name_en": nullable_string(), "quantity": { "type": "integer", "minimum": 1 },
                    "unit_amount": { "type": "integer", "minimum": 0, "description": "VND" },
                    "amount": { "type": "integer", "minimum": 0, "description": "VND; 0 when exempt" },
                    "exempt": { "type": "boolean" } })) },
            "total": { "type": "integer", "minimum": 0, "description": "VND; 0: free, no payment" } }),
    );
    let procedure = object(
        &["code", "version", "name_vi", "name_en"],
        json!({
        "code": { "type": "string" }, "version": { "type": "integer" },
        "name_vi": { "type": "string" }, "name_en": { "type": "string" } }),
    );
    let times = json!({ "submitted_at": date_time(true), "receipt_due_at": date_time(true), "received_at": date_time(true),
        "due_at": date_time(true), "finished_at": date_time(true), "updated_at": date_time(false) });
    let members = group_members();
    let mut properties = json!({
        "code": { "type": "string", "description": "Official code {agency}-{YYMMDD}-{seq} once submitted; the draft reference NHAP-… before" },
        "draft_ref": nullable_string(),
        "status": status,
        "status_name_vi": { "type": "string" }, "status_name_en": { "type": "string" },
        "procedure": procedure,
        "channel": channel,
        "applicant": { "type": "object" },
        "receiving_point": nullable_string(),
        "receiving_agency": { "$ref": "#/components/schemas/AgencyRef" },
        "competent_agency": { "$ref": "#/components/schemas/AgencyRef" },
        "handed_over": { "type": "boolean" }, "needs_handover": { "type": "boolean" },
        "assignee": { "type": "string", "nullable": true, "description": "The handler (staff) or their role (citizen)" },
        "step": { "type": "string", "nullable": true, "enum": ["assigned", "in_review", "approved", null],
            "description": "Inside status 4 (staff only): being appraised, awaiting the leader's decision, approved and to be issued" },
        "appraisal": {
            "type": "object", "nullable": true, "additionalProperties": false,
            "required": ["by", "opinion", "proposal"],
            "description": "Staff only: the specialist's appraisal and proposal put to the leader, and the leader's opinion (approval note or reason for sending back)",
            "properties": {
                "by": { "type": "string" }, "opinion": { "type": "string" },
                "proposal": { "type": "string" }, "leader_opinion": { "type": "string" }
            }
        },
        "overdue": { "type": "boolean" }, "extended": { "type": "boolean" },
        "supplement_request": supplement_request,
        "fees": fees,
        "payments": { "type": "array", "items": object(
            &["id", "status", "amount", "method", "paid_at"],
            json!({ "id": { "type": "string" },
                "status": { "type": "string", "enum": ["created", "pending", "succeeded", "failed", "cancelled", "expired", "refunded"] },
                "amount": { "type": "integer", "description": "VND" },
                "method": { "type": "string", "enum": ["vnpay", "cash", "card"] },
                "paid_at": date_time(true) })) },
        "form": { "type": "object" },
        "once_only": object(&["reused_data", "from_warehouse", "population_data", "vneid_applicant"],
            json!({ "reused_data": { "type": "boolean", "description": "Decision 766 4.3: a component taken from a national database or the warehouse (set at submission)" },
                "from_warehouse": { "type": "boolean", "description": "4.4: a component taken from the citizen's warehouse" },
                "population_data": { "type": "boolean", "description": "4.5: the population database was read for it" },
                "vneid_applicant": { "type": "boolean", "description": "4.5: submitted online by an applicant signed in with the national digital identity" } })),
        "assisted_by": { "type": "string", "nullable": true, "description": "The community digital team member (staff username) who applied for the citizen with their consent by one-time code" },
        "on_behalf_of": { "type": "object", "nullable": true, "required": ["code", "name"], "additionalProperties": false,
            "description": "The enterprise its legal representative applied for; its warehouse (GET /me/warehouse?enterprise=) holds the dossier's files and results",
            "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
        "attachments": { "type": "array", "items": { "$ref": "#/components/schemas/Attachment" } },
        "documents": documents,
        "history": history,
        "members": members,
        "group": { "type": "string", "nullable": true, "description": "The code of the interconnected application this member dossier belongs to" }
    });
    if let (Value::Object(p), Value::Object(t)) = (&mut properties, times) {
        p.extend(t);
    }
    object(
        &[
            "code",
            "draft_ref",
            "status",
            "status_name_vi",
            "status_name_en",
            "procedure",
            "channel",
            "applicant",
            "receiving_point",
            "receiving_agency",
            "competent_agency",
            "handed_over",
            "needs_handover",
            "assignee",
            "step",
            "appraisal",
            "submitted_at",
            "receipt_due_at",
            "received_at",
            "due_at",
            "finished_at",
            "overdue",
            "extended",
            "supplement_request",
            "fees",
            "payments",
            "form",
            "attachments",
            "documents",
            "once_only",
            "assisted_by",
            "on_behalf_of",
            "history",
            "members",
            "group",
            "updated_at",
        ],
        properties,
    )
}

/// The assistant's answer, exactly: nothing else is ever in it.
fn assistant_answer() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["answer", "kind", "procedures"],
        "properties": {
            "answer": { "type": "string", "minLength": 1,
                "description": "The whole answer as plain text in the chosen language: for `answer`, the documents, fees, time limit, where and how to apply and the legal basis, from the catalogue (whose own texts are Vietnamese); for `follow_up`, the question which procedure is meant; for `unknown`, that we do not know, with a search link" },
            "kind": { "type": "string", "enum": ["answer", "follow_up", "unknown"] },
            "procedures": { "type": "array", "maxItems": 4,
                "description": "answer: the one procedure; follow_up: 2–4 candidates; unknown: none",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["code", "name", "url"],
                    "properties": {
                        "code": { "type": "string", "pattern": "^[0-9]\\.[0-9]{6}$" },
                        "name": { "type": "string", "description": "In the chosen language (Vietnamese when the catalogue has no English name)" },
                        "url": { "type": "string", "pattern": "^/procedures/[0-9]\\.[0-9]{6}$" } } } }
        }
    })
}

fn schemas() -> Value {
    let agency_ref = object(
        &["code", "name"],
        json!({ "code": { "type": "string" }, "name": { "type": "string" } }),
    );
    let status = json!({ "type": "integer", "minimum": 0, "maximum": 10,
        "description": "0 draft, 1 submitted, 2 received, 3 not received, 4 in processing, 5 supplement requested, 6 payment requested, 7 withdrawal requested, 8 stopped, 9 result ready, 10 result returned" });
    let channel = json!({ "type": "string", "enum": ["online", "counter", "post"] });
    let mut all = json!({
        "Problem": object(
            &["type", "title", "status", "code", "detail", "message_vi", "message_en", "errors", "reference"],
            json!({
                "type": { "type": "string", "description": "/problems/{code}" },
                "title": { "type": "string" },
                "status": { "type": "integer", "minimum": 400, "maximum": 599 },
                "code": { "type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                    "description": "Stable machine code, e.g. illegal_transition, unknown_procedure, invalid_form, unsupported_media_type" },
                "detail": { "type": "string" },
                "message_vi": { "type": "string" },
                "message_en": { "type": "string" },
                "errors": { "type": "array", "items": object(&["field", "code", "message_vi", "message_en"], json!({
                    "field": { "type": "string" }, "code": { "type": "string" },
                    "message_vi": { "type": "string" }, "message_en": { "type": "string" } })) },
                "reference": { "type": "string", "description": "Quote it to the operator; server errors are logged under it" }
            })
        ),
        "ProcedureSummary": object(
            &["code", "version", "name_vi", "name_en", "sector", "level", "online_level", "processing_minutes"],
            json!({
                "code": { "type": "string" }, "version": { "type": "integer" },
                "name_vi": { "type": "string" }, "name_en": { "type": "string" }, "sector": { "type": "string" },
                "level": { "type": "string", "enum": ["commune", "province", "ministry"] },
                "online_level": { "type": "string", "enum": ["full", "partial", "none"] },
                "processing_minutes": { "type": "integer", "minimum": 0, "description": "Legal processing time in working minutes" }
            })
        ),
        "Procedure": {
            "allOf": [
                { "$ref": "#/components/schemas/ProcedureSummary" },
                object(
                    &["competent_agency_kind", "paperless", "processing_time", "result_document", "legal_basis", "fees", "form", "components", "agencies", "provenance", "lang"],
                    json!({
                        "lang": { "type": "string", "enum": ["vi", "en"], "description": "The language the texts are in" },
                        "competent_agency_kind": { "type": "string" },
                        "paperless": { "oneOf": [
                            { "type": "string", "enum": ["never", "always"] },
                            object(&["weekdays"], json!({ "weekdays": { "type": "array", "items": { "type": "string" } } }))
                        ] },
                        "processing_time": { "type": "object" },
                        "result_document": { "type": "string" },
                        "legal_basis": { "type": "array", "items": { "type": "string" } },
                        "fees": { "type": "array", "items": object(
                            &["name", "kind", "counter_vnd", "online_vnd", "collected_at", "valid_today", "note"],
                            json!({ "name": { "type": "string" }, "kind": { "type": "string" },
                                "counter_vnd": { "type": "integer", "nullable": true }, "online_vnd": { "type": "integer", "nullable": true },
                                "collected_at": { "type": "string" }, "valid_today": { "type": "boolean" },
                                "note": { "type": "string", "nullable": true } })) },
                        "form": object(&["fields"], json!({ "fields": { "type": "array", "items": { "type": "object" } } })),
                        "components": { "type": "array", "items": object(
                            &["key", "name", "required", "requirement", "copy_kind", "quantity", "condition", "accepts", "max_bytes", "reusable_from"],
                            json!({ "key": { "type": "string" }, "name": { "type": "string" }, "required": { "type": "boolean" },
                                "requirement": { "type": "string" }, "copy_kind": { "type": "string" },
                                "quantity": { "type": "integer", "minimum": 0 }, "condition": nullable_string(),
                                "accepts": { "type": "array", "items": { "type": "string" } },
                                "max_bytes": { "type": "integer", "minimum": 0 }, "reusable_from": { "type": "array", "items": { "type": "string" } } })) },
                        "agencies": { "type": "array", "items": agency_ref.clone() },
                        "provenance": { "type": "object", "additionalProperties": { "type": "string", "enum": ["verified", "estimated"] } }
                    })
                )
            ]
        },
        "ProcedureList": object(&["items", "count"], json!({
            "items": { "type": "array", "items": { "$ref": "#/components/schemas/ProcedureSummary" } },
            "count": { "type": "integer", "minimum": 0 } })),
        "AgencyRef": agency_ref,
        "Attachment": object(
            &["id", "component", "file_name", "mime", "size_bytes", "sha256", "digitized", "supplement", "source", "uploaded_at", "url"],
            json!({ "id": { "type": "string" }, "component": { "type": "string" }, "file_name": { "type": "string" },
                "mime": { "type": "string" }, "size_bytes": { "type": "integer", "minimum": 0 },
                "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" }, "digitized": { "type": "boolean" },
                "supplement": { "type": "boolean" },
                "source": { "type": "string", "pattern": "^(upload|warehouse|connector:[a-z_]+)$", "description": "Where it came from: upload (the applicant or the counter), warehouse (an item of the applicant's data warehouse), connector:<name> (a national database)" },
                "uploaded_at": date_time(false), "url": { "type": "string" } })
        ),
        "Dossier": dossier_schema(status.clone(), channel.clone()),
        "DossierList": object(&["count", "items"], json!({
            "count": { "type": "integer", "minimum": 0 },
            "items": { "type": "array", "items": object(
                &["code", "status", "status_name_vi", "status_name_en", "procedure_code", "channel", "receiving_agency",
                  "competent_agency", "assignee", "due_at", "overdue", "submitted_at", "subject", "updated_at"],
                json!({ "code": { "type": "string" }, "status": status.clone(),
                    "status_name_vi": { "type": "string" }, "status_name_en": { "type": "string" },
                    "procedure_code": { "type": "string" }, "channel": channel.clone(),
                    "receiving_agency": { "type": "string" }, "competent_agency": { "type": "string" },
                    "assignee": nullable_string(), "due_at": date_time(true), "overdue": { "type": "boolean" },
                    "submitted_at": date_time(true),
                    "subject": { "type": "string", "nullable": true,
                        "description": "Whom or what the dossier is about (the child of a birth registration); in the applicant's own list only" },
                    "updated_at": date_time(false) })) } })),
        "Track": object(
            &["code", "status", "status_name_vi", "status_name_en", "procedure_name_vi", "procedure_name_en",
              "competent_agency", "received_at", "due_at", "overdue", "members"],
            json!({ "code": { "type": "string" }, "status": status,
                "status_name_vi": { "type": "string" }, "status_name_en": { "type": "string" },
                "procedure_name_vi": { "type": "string" }, "procedure_name_en": { "type": "string" },
                "competent_agency": { "type": "string" }, "received_at": date_time(true), "due_at": date_time(true),
                "overdue": { "type": "boolean" }, "members": group_members() })
        ),
        "PublicFacts": object(
            &["id", "title", "number", "agency", "issued_at", "status", "revoked_at", "sha256", "signer"],
            json!({ "id": { "type": "string" }, "title": { "type": "string" }, "number": { "type": "string" },
                "agency": { "type": "string" }, "issued_at": date_time(false),
                "status": { "type": "string", "enum": ["valid", "revoked"] }, "revoked_at": date_time(true),
                "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" }, "signer": { "type": "string" } })
        ),
        "CheckOutcome": object(
            &["signature_valid", "failed_checks", "signer", "sha256", "registered", "genuine"],
            json!({ "signature_valid": { "type": "boolean", "description": "Signature, integrity and trust all hold" },
                "failed_checks": { "type": "array", "items": { "type": "string" } },
                "signer": nullable_string(),
                "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                "registered": { "allOf": [{ "$ref": "#/components/schemas/PublicFacts" }], "nullable": true,
                    "description": "The register's entry for this exact file, if we issued it" },
                "genuine": { "type": "boolean", "description": "Valid signature, registered, and not revoked" } })
        ),
        "StaffRole": object(&["agency", "role", "include_descendants"], json!({
            "agency": { "type": "string" },
            "role": { "type": "string", "enum": ["citizen", "officer", "specialist", "leader", "clerk", "admin", "monitor", "workflow"] },
            "include_descendants": { "type": "boolean" } })),
        "Me": { "oneOf": [
            object(&["kind", "citizen_id", "full_name"], json!({
                "kind": { "type": "string", "enum": ["citizen"] },
                "citizen_id": { "type": "string", "pattern": "^[0-9]{12}$" }, "full_name": { "type": "string" } })),
            object(&["kind", "username", "full_name", "roles"], json!({
                "kind": { "type": "string", "enum": ["staff"] },
                "username": { "type": "string" }, "full_name": { "type": "string" },
                "roles": { "type": "array", "items": { "$ref": "#/components/schemas/StaffRole" } } }))
        ] },
        "Documents": object(&["count", "items"], json!({
            "count": { "type": "integer", "minimum": 0 },
            "items": { "type": "array", "items": object(
                &["id", "title", "number", "agency", "issued_at", "status", "sha256", "dossier_code", "url", "verify_url"],
                json!({ "id": { "type": "string" }, "title": { "type": "string" }, "number": { "type": "string" },
                    "agency": { "type": "string" }, "issued_at": date_time(false),
                    "status": { "type": "string", "enum": ["valid", "revoked"] },
                    "sha256": { "type": "string" }, "dossier_code": { "type": "string" },
                    "url": { "type": "string" }, "verify_url": { "type": "string" } })) } })),
        "CreateDossier": {
            "type": "object", "required": ["procedure"], "additionalProperties": false,
            "properties": {
                "procedure": { "type": "string", "description": "Procedure code; an unknown one is 422 unknown_procedure", "example": "1.001193" },
                "channel": { "type": "string", "enum": ["online", "counter", "post"], "default": "online",
                    "description": "Citizens apply online; officers enter counter and postal dossiers" },
                "applicant": { "type": "object", "nullable": true, "required": ["citizen_id", "full_name"],
                    "description": "Counter and post: the applicant as given to the officer (ignored for citizens, who are the applicant)",
                    "properties": {
                        "citizen_id": { "type": "string" }, "full_name": { "type": "string" },
                        "phone": nullable_string(), "email": nullable_string(),
                        "address": { "type": "object", "nullable": true, "required": ["commune"], "properties": {
                            "commune": { "type": "string" }, "street": { "type": "string" } } } } },
                "receiving_point": { "type": "string", "nullable": true, "description": "Counter and post: the receiving point's code" },
                "agency": { "type": "string", "nullable": true, "description": "The competent agency's code, when the applicant's home does not decide it" },
                "on_behalf_of": { "type": "string", "nullable": true, "description": "Citizens: the code of an enterprise they apply for as its legal representative, checked against the national business registration database (403 not_representative, 503 enterprise_db_unavailable; 422 enterprise_not_admitted for a procedure only individuals apply for)", "example": "0201234569" }
            }
        },
        "Action": action_schema(),
        "StaffLogin": object(&["username", "password"], json!({
            "username": { "type": "string" }, "password": { "type": "string" },
            "totp": { "type": "string", "nullable": true, "description": "6-digit authenticator code, for staff who turned on two-step sign-in" } })),
    });
    // Added outside the macro: one more entry would take `json!` past its recursion limit.
    if let Value::Object(m) = &mut all {
        m.insert("AssistantAnswer".into(), assistant_answer());
        m.insert("NewFeedback".into(), new_feedback());
        m.insert("FeedbackReceipt".into(), feedback_receipt());
        m.insert("Feedback".into(), feedback_view());
        m.insert("Reconciliation".into(), reconciliation_report());
    }
    all
}

/// `POST /feedback`'s body, as the server reads it: unknown fields are refused (422
/// invalid_body); `kind` and `content` are checked per field (422 invalid_form).
fn new_feedback() -> Value {
    let text = |description: &str| json!({ "type": "string", "nullable": true, "description": description });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["kind", "content"],
        "properties": {
            "kind": { "type": "string", "enum": ["complaint", "recommendation"],
                "description": "complaint (phản ánh): something went wrong; recommendation (kiến nghị): something should change" },
            "content": { "type": "string", "minLength": 10, "maxLength": 5000,
                "description": "10–5000 characters once surrounding blanks are removed" },
            "agency": text("The agency's code; unknown or dissolved is 422. Without it, the dossier's competent agency, else the procedure's, else the province's"),
            "procedure": text("A procedure code it is about (unknown is 422)"),
            "dossier": text("An official dossier code it is about (unknown is 422)"),
            "officer": text("The officer whose conduct it is about (name, position or desk), at most 200 characters; never shown publicly"),
            "contact": {
                "type": "object", "nullable": true, "additionalProperties": false,
                "description": "How to reach the sender; never shown publicly. Without a signed-in citizen, an email or a phone is required (422 invalid_form, field `contact`)",
                "properties": {
                    "name": text("At most 200 characters"),
                    "email": text("A valid email address"),
                    "phone": text("A Vietnamese phone number (SMS goes to mobiles only)")
                }
            },
            "lang": { "type": "string", "nullable": true, "enum": ["vi", "en", null],
                "description": "The language of our messages; default: the signed-in citizen's setting, else vi" }
        }
    })
}

fn feedback_status() -> Value {
    json!({ "type": "string",
        "enum": ["received", "refused", "details_requested", "details_given", "answered", "published"] })
}

/// What the sender is told at once: the code to follow it by and when the answer is due.
fn feedback_receipt() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["code", "status", "due_at"],
        "properties": {
            "code": { "type": "string", "pattern": "^PAKN-[0-9]{6}-[0-9]{4,}$", "example": "PAKN-261117-0001" },
            "status": { "type": "string", "enum": ["received"] },
            "due_at": { "type": "string", "format": "date-time",
                "description": "The answer is due 15 working days after receipt (after hours: from the next working hour); a request for details pauses it" }
        }
    })
}

/// One feedback item. The public sees the code, kind, subject, agency, procedure, status and
/// dates, and the content and answer once published; its sender and the agency's staff see all.
fn feedback_view() -> Value {
    let s = || json!({ "type": "string" });
    let private = |description: &str| json!({ "type": "string", "nullable": true, "description": description });
    let fields = [
        "code",
        "kind",
        "subject",
        "status",
        "status_name_vi",
        "status_name_en",
        "agency",
        "procedure",
        "dossier",
        "officer",
        "received_at",
        "due_at",
        "overdue",
        "content",
        "details_requested_at",
        "details_request",
        "details_given_at",
        "details",
        "refused_at",
        "refusal_reason",
        "answered_at",
        "answer",
        "published",
        "published_at",
        "rating",
        "rating_reason",
        "contact",
        "view",
    ];
    // Two halves: one object this size would take `json!` past its recursion limit.
    let mut properties = json!({
            "code": s(),
            "kind": { "type": "string", "enum": ["complaint", "recommendation"] },
            "subject": { "type": "string", "enum": ["dossier", "procedure", "conduct", "general"],
                "description": "Decision 766 indicator 5.1 separates conduct from procedures and regulations" },
            "status": feedback_status(),
            "status_name_vi": s(), "status_name_en": s(),
            "agency": { "$ref": "#/components/schemas/AgencyRef" },
            "procedure": { "type": "string", "nullable": true },
            "dossier": private("Sender and staff only"),
            "officer": private("Sender and staff only"),
            "received_at": date_time(false),
            "due_at": date_time(false),
            "overdue": { "type": "boolean", "description": "The agency owes a step and the answer date has passed" },
            "content": private("Sender and staff; everyone once published"),
    });
    let second = json!({
            "details_requested_at": date_time(true),
            "details_request": private("Sender and staff only"),
            "details_given_at": date_time(true),
            "details": private("Sender and staff only"),
            "refused_at": date_time(true),
            "refusal_reason": private("Sender and staff only"),
            "answered_at": date_time(true),
            "answer": private("Sender and staff; everyone once published"),
            "published": { "type": "boolean" },
            "published_at": date_time(true),
            "rating": { "type": "string", "nullable": true, "enum": ["satisfied", "normal", "dissatisfied", null],
                "description": "Sender and staff only" },
            "rating_reason": private("Sender and staff only"),
            "contact": { "type": "object", "nullable": true, "additionalProperties": false,
                "required": ["name", "email", "phone"],
                "description": "Sender and staff only; never in the public view",
                "properties": { "name": { "type": "string", "nullable": true },
                    "email": { "type": "string", "nullable": true }, "phone": { "type": "string", "nullable": true } } },
            "view": { "type": "string", "enum": ["public", "submitter", "staff"],
                "description": "Which view this is: the caller's relation to the item" }
    });
    if let (Value::Object(p), Value::Object(more)) = (&mut properties, second) {
        p.extend(more);
    }
    json!({ "type": "object", "additionalProperties": false, "required": fields, "properties": properties })
}

/// The daily reconciliation of an agency's payments, exactly: nothing else is ever in it.
fn reconciliation_report() -> Value {
    let total = || {
        json!({ "type": "object", "additionalProperties": false, "required": ["count", "amount"],
            "properties": { "count": { "type": "integer", "minimum": 0 },
                "amount": { "type": "integer", "description": "VND: the payments' own amounts (what a refund gave back is in each row's refunded_amount)" } } })
    };
    let s = || json!({ "type": "string" });
    let row_fields = [
        "dossier_code",
        "procedure_code",
        "procedure_name",
        "txn_ref",
        "method",
        "amount",
        "refunded_amount",
        "status",
        "class",
        "created_at",
        "paid_at",
        "gateway_txn_no",
        "bank_code",
        "created_other_day",
        "issues",
    ];
    let row_properties = json!({
        "dossier_code": { "type": "string", "description": "The official code, or the draft reference NHAP-… of a dossier paid before submission" },
        "procedure_code": s(),
        "procedure_name": { "type": "string", "description": "The procedure's Vietnamese name, of the version the dossier was made under" },
        "txn_ref": { "type": "string", "description": "Our order reference at the gateway (vnp_TxnRef)" },
        "method": { "type": "string", "description": "vnpay, cash or card" },
        "amount": { "type": "integer", "description": "VND" },
        "refunded_amount": { "type": "integer", "nullable": true, "description": "VND the gateway gave back (all or part of amount), once refunded" },
        "status": { "type": "string", "description": "created, pending, succeeded, failed, cancelled, expired or refunded" },
        "class": { "type": "string", "enum": ["paid", "pending", "mismatched", "refunded", "failed"] },
        "created_at": { "type": "string", "format": "date-time", "description": "In local time (+07:00)" },
        "paid_at": { "type": "string", "format": "date-time", "nullable": true,
            "description": "The gateway's payment time, in local time" },
        "gateway_txn_no": { "type": "string", "nullable": true, "description": "The gateway's transaction number (vnp_TransactionNo)" },
        "bank_code": { "type": "string", "nullable": true },
        "created_other_day": { "type": "boolean",
            "description": "Created on another day and listed because it was paid, settled or refunded on this one; counted in its own day's totals, not in these" },
        "issues": { "type": "array", "description": "Why it is mismatched; empty otherwise",
            "items": { "type": "string", "enum": ["callback_amount", "callback_signature", "no_gateway_txn_no", "no_gateway_confirmation", "unknown_status"] } }
    });
    let row = json!({ "type": "object", "additionalProperties": false, "required": row_fields,
        "properties": row_properties });
    let totals = json!({ "type": "object", "additionalProperties": false,
        "description": "Of the payments created on the day (rows with created_other_day false), by class",
        "required": ["paid", "pending", "mismatched", "refunded", "failed"],
        "properties": { "paid": total(), "pending": total(), "mismatched": total(),
            "refunded": total(), "failed": total() } });
    let mut gateway_total = total();
    gateway_total["description"] = json!(
        "What the gateway should pay out for this agency and day by our records: vnpay payments that succeeded (or were refunded since) with a gateway transaction number, paid on the day by the gateway's payment time"
    );
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["agency", "agency_name", "date", "rows", "totals", "gateway_total"],
        "properties": {
            "agency": { "type": "string" },
            "agency_name": { "type": "string" },
            "date": { "type": "string", "format": "date" },
            "rows": { "type": "array", "items": row,
                "description": "Ordered by creation time, then order reference" },
            "totals": totals,
            "gateway_total": gateway_total
        }
    })
}

/// Each error status once, as problem+json; 429 always says when to come back.
fn error_responses() -> Value {
    let too_many = format!(
        "Over a rate limit: callers without credentials share {} requests a minute per address, and search, tracking, signature checks and staff sign-in have their own limits. Retry after the given number of seconds.",
        crate::ratelimit::ANONYMOUS_PER_MINUTE
    );
    let uri_too_long = format!(
        "The request URI is longer than {} bytes",
        crate::edge::MAX_URI_BYTES
    );
    let described: [(u16, &str); 12] = [
        (
            400,
            "The request does not parse: malformed JSON or multipart, a query or path value of the wrong type or out of its documented range, a bad header",
        ),
        (
            401,
            "Not signed in: no or an unknown bearer token or session (or, signing in, wrong credentials)",
        ),
        (
            403,
            "Signed in, but not allowed (role, agency, channel), or a cookie-authenticated write from another site",
        ),
        (404, "No such resource, or not one the caller may see"),
        (
            409,
            "The resource's state does not allow it (e.g. illegal_transition, already revoked)",
        ),
        (413, "The body is larger than the operation accepts"),
        (414, &uri_too_long),
        (
            415,
            "The body's Content-Type is not one the operation accepts",
        ),
        (
            422,
            "Well-formed but refused: a body of the wrong shape, an unknown procedure, form answers that break the procedure's rules…",
        ),
        (429, &too_many),
        (500, "Internal error; quote `reference`"),
        (
            503,
            "A dependency is unavailable (e.g. the agency's signing key)",
        ),
    ];
    let mut out = Map::new();
    for (status, description) in described {
        let mut r = json!({ "description": description,
            "content": { "application/problem+json": { "schema": schema_ref("Problem") } } });
        if status == 429 {
            r["headers"] = json!({ "Retry-After": { "required": true,
                "description": "Seconds to wait before trying again",
                "schema": { "type": "integer", "minimum": 1 } } });
        }
        out.insert(format!("Problem{status}"), r);
    }
    Value::Object(out)
}

/// `?lang=` of the catalogue reads: which language the catalogue's texts come in.
fn catalogue_lang() -> Value {
    json!({ "name": "lang", "in": "query", "required": false,
        "description": "The language of the catalogue's texts; without it, the caller's Accept-Language (vi or en), else vi. Any other value is 400 invalid_lang",
        "schema": { "type": "string", "enum": ["vi", "en"] } })
}

fn paths() -> Value {
    let dossier = || json_ok("The dossier", schema_ref("Dossier"));
    let get_procedures = Op {
        id: "searchProcedures",
        summary: "Search the catalogue (with or without diacritics)",
        description: Some(
            "Public. Limited to 120 searches a minute per client address (429 with Retry-After, also when every search slot stays busy).",
        ),
        access: Access::Public,
        params: vec![
            json!({ "name": "q", "in": "query", "required": false,
            "description": "Words to look for; at most 200 characters and 16 words (else 400 query_too_long)",
            "schema": { "type": "string", "maxLength": 200,
                "pattern": "^[\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*([^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+([\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+|$)){0,16}$" } }),
            catalogue_lang(),
        ],
        body: None,
        ok: (
            "200",
            json_ok("Matching procedures", schema_ref("ProcedureList")),
        ),
        errors: &[429],
    };
    let ask_assistant = Op {
        id: "askAssistant",
        summary: "Ask the virtual assistant what a procedure needs, in plain words (Vietnamese with or without diacritics, or English)",
        description: Some(
            "Public. Answered from the catalogue only. Counts as a search: limited to 120 a minute per client address (429 with Retry-After, also when every search slot stays busy). A missing, blank or repeated q is 400 (query_required, duplicate_parameter); over 500 characters 400 query_too_long; a lang other than vi or en 400 invalid_lang.",
        ),
        access: Access::Public,
        params: vec![
            json!({ "name": "q", "in": "query", "required": true,
                "description": "The question, 1–500 characters, not only blanks",
                "schema": { "type": "string", "minLength": 1, "maxLength": 500,
                    "pattern": "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]" } }),
            json!({ "name": "lang", "in": "query", "required": false,
                "description": "The answer's language; without it, the caller's Accept-Language (vi or en), else vi",
                "schema": { "type": "string", "enum": ["vi", "en"] } }),
        ],
        body: None,
        ok: ("200", json_ok("The answer", schema_ref("AssistantAnswer"))),
        errors: &[429],
    };
    let get_procedure = Op {
        id: "getProcedure",
        summary: "A procedure's current version: form fields, components, fees, agencies",
        description: Some(
            "Public. Labels, hints, options, parts, components, conditions, fees, the result and the sector come in the caller's language (Content-Language says which); form keys and option values are the same in both. A text the catalogue has only in Vietnamese stays Vietnamese. The catalogue's own *_en texts are also listed on each form field.",
        ),
        access: Access::Public,
        params: vec![procedure_code(), catalogue_lang()],
        body: None,
        ok: ("200", json_ok("The procedure", schema_ref("Procedure"))),
        errors: &[404],
    };
    let create = Op {
        id: "createDossier",
        summary: "Create a draft dossier",
        description: Some(
            "A citizen creates an online draft for themselves; a one-stop officer a counter or postal draft at their receiving point. The body must be `application/json`; unknown fields are refused (422 invalid_body).",
        ),
        access: Access::SignedIn,
        params: vec![idempotency_key()],
        body: Some(json_body(schema_ref("CreateDossier"))),
        ok: (
            "201",
            json!({ "description": "The draft (status 0)", "headers": replayed_header(),
                "content": { "application/json": { "schema": schema_ref("Dossier") } },
                "links": dossier_links(&["getDossier", "saveForm", "addAttachment", "submitDossier", "act"]) }),
        ),
        errors: &[403, 422, 503],
    };
    let list = Op {
        id: "listDossiers",
        summary: "My dossiers (citizen) or my agencies' (staff), most recently changed first",
        description: Some(
            "A value outside its documented range is refused (400 invalid_status, invalid_limit), never clamped; a parameter given twice is 400 duplicate_parameter.",
        ),
        access: Access::SignedIn,
        params: vec![
            json!({ "name": "status", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "maximum": 10 } }),
            json!({ "name": "procedure", "in": "query", "required": false, "schema": { "type": "string" } }),
            json!({ "name": "limit", "in": "query", "required": false, "description": "How many to return (default 100)",
                    "schema": { "type": "integer", "minimum": 1, "maximum": crate::api::MAX_LIST_LIMIT, "default": crate::api::DEFAULT_LIST_LIMIT } }),
        ],
        body: None,
        ok: ("200", json_ok("Dossiers", schema_ref("DossierList"))),
        errors: &[],
    };
    let get = Op {
        id: "getDossier",
        summary: "A dossier: status, due date, history, documents",
        description: None,
        access: Access::SignedIn,
        params: vec![dossier_code()],
        body: None,
        ok: ("200", dossier()),
        errors: &[404],
    };
    let delete_draft = Op {
        id: "deleteDraft",
        summary: "Delete a draft (status 0) with its answers and files",
        description: Some(
            "The applicant's own online draft, or the receiving officer's counter draft. A submitted dossier is 409 not_a_draft (withdraw it instead); a draft with a payment on record is 409 draft_has_payment. The deletion is in the audit trail; what the draft held is not kept.",
        ),
        access: Access::SignedIn,
        params: vec![dossier_code()],
        body: None,
        ok: ("204", json!({ "description": "Deleted" })),
        errors: &[403, 404, 409],
    };
    let form = Op {
        id: "saveForm",
        summary: "Save form answers (given keys set, null clears)",
        description: None,
        access: Access::SignedIn,
        params: vec![dossier_code()],
        body: Some(json_body(json!({ "type": "object",
            "description": "Field key → answer; the procedure's form decides which keys and values are valid (422 invalid_form names each field)" }))),
        ok: ("200", dossier()),
        errors: &[403, 404, 409, 422],
    };
    let attach = Op {
        id: "addAttachment",
        summary: "Attach a file to a component",
        description: Some(
            "multipart/form-data with exactly the parts `component` (the component's key) and `file` (another part is 400 unexpected_part, a missing one 400 component_required or file_required); the file's content is checked against the component's types and size (415 unsupported_file_type, 413, 422). Or application/json `{component, warehouse_item}`: a copy of an item of the citizen's data warehouse (GET /me/warehouse), marked source warehouse; a civil-status result also fills the form's still-empty fields that name it (404 for an item not in the caller's warehouse, 403 citizens_only for staff, 422 warehouse_item_revoked, warehouse_item_not_accepted, invalid_body). Any other Content-Type is 415 multipart_required.",
        ),
        access: Access::SignedIn,
        params: vec![dossier_code()],
        body: Some(
            json!({ "required": true, "content": { "multipart/form-data": {
            "schema": { "type": "object", "required": ["component", "file"], "additionalProperties": false, "properties": {
                "component": { "type": "string", "description": "The component's key, as in the procedure's components" },
                "file": { "type": "string", "format": "binary" } } } },
              "application/json": {
            "schema": { "type": "object", "required": ["component", "warehouse_item"], "additionalProperties": false, "properties": {
                "component": { "type": "string", "description": "The component's key, as in the procedure's components" },
                "warehouse_item": { "type": "string", "description": "The id of an item of GET /me/warehouse" } } } } } }),
        ),
        ok: (
            "201",
            json!({ "description": "The stored attachment",
                "content": { "application/json": { "schema": schema_ref("Attachment") } },
                "links": { "getAttachment": { "operationId": "getAttachment",
                    "parameters": { "code": "$request.path.code", "id": "$response.body#/id" } } } }),
        ),
        errors: &[403, 404, 409, 415, 422],
    };
    let download = Op {
        id: "getAttachment",
        summary: "Download an attachment or a result",
        description: None,
        access: Access::SignedIn,
        params: vec![
            dossier_code(),
            uuid_param("id", "The attachment's or document's id"),
            json!({ "name": "inline", "in": "query", "required": false,
                "description": "1: shown in the browser when it is a PDF, JPEG or PNG; otherwise (or 0) a download",
                "schema": { "type": "string", "enum": ["0", "1"] } }),
        ],
        body: None,
        ok: (
            "200",
            json!({ "description": "The file, with its stored media type",
                "headers": {
                    "Content-Disposition": { "required": true, "schema": { "type": "string" } },
                    "X-Content-SHA256": { "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } } },
                "content": { "*/*": { "schema": { "type": "string", "format": "binary" } } } }),
        ),
        errors: &[404],
    };
    let notice = Op {
        id: "getNotice",
        summary: "Download a notice of the dossier",
        description: Some(
            "A notice the dossier has reached (listed in `documents[]` with its `url`), rendered as PDF from the dossier's facts: the acknowledgement of an online submission (from the moment it is sent), the receipt slip, a supplementation request, a refusal, an apology for lateness, a stop notice, or (staff only) the process-control sheet. Notices are in Vietnamese, as the law requires.",
        ),
        access: Access::SignedIn,
        params: vec![
            dossier_code(),
            json!({ "name": "kind", "in": "path", "required": true,
                "schema": { "type": "string", "enum": ["submitted", "receipt", "supplement", "refusal", "apology", "stop", "process-control"] } }),
        ],
        body: None,
        ok: (
            "200",
            json!({ "description": "The notice",
                "headers": { "Content-Disposition": { "required": true, "schema": { "type": "string" } } },
                "content": { "application/pdf": { "schema": { "type": "string", "format": "binary" } } } }),
        ),
        errors: &[404],
    };
    let submit = Op {
        id: "submitDossier",
        summary: "Submit (online → 1, counter → 2)",
        description: Some("Takes no body."),
        access: Access::SignedIn,
        params: vec![dossier_code(), idempotency_key()],
        body: None,
        ok: (
            "200",
            json!({ "description": "The submitted dossier", "headers": replayed_header(),
                "content": { "application/json": { "schema": schema_ref("Dossier") } },
                "links": dossier_links(&["getDossier", "trackDossier", "act"]) }),
        ),
        errors: &[403, 404, 409, 415, 422],
    };
    let start_payment = Op {
        id: "startPayment",
        summary: "Start paying what is due now (the applicant)",
        description: Some(
            "Takes no body. The amount is computed from the form: the fees collected when applying (a draft) or every line not yet paid (payment requested). Send the payer to `redirect_url` (VNPAY 2.1.0); the gateway's notification settles the payment. Pressing again while it is pending returns the same payment. 409 nothing_to_pay; 503 payments_unavailable when no gateway is configured.",
        ),
        access: Access::SignedIn,
        params: vec![dossier_code()],
        body: None,
        ok: (
            "201",
            json!({ "description": "The payment and where to pay it", "content": { "application/json": { "schema": object(
                &["id", "status", "amount", "txn_ref", "redirect_url"],
                json!({ "id": { "type": "string" }, "status": { "type": "string", "enum": ["pending"] },
                    "amount": { "type": "integer", "minimum": 1, "description": "VND" },
                    "txn_ref": { "type": "string" }, "redirect_url": { "type": "string", "format": "uri" } })) } } }),
        ),
        errors: &[403, 404, 409, 415, 503],
    };
    let reconciliation = Op {
        id: "paymentReconciliation",
        summary: "An agency's payments of one day, matched with what the payment gateway confirmed",
        description: Some(
            "For the staff of the agency (any role), staff of a parent agency whose role includes its descendants, and the system administrator (403 not_allowed for anyone else, citizens included). Lists the payments of the dossiers the agency is competent for that were created on the local day (Vietnam time, UTC+7), and those created on another day but paid, settled or refunded on it (created_other_day, not in the totals). Each is in one class, the first that applies: mismatched (a callback for its order was refused for its amount, 04, or its signature, 97; or it succeeded through the gateway without the gateway's transaction number or without a genuine notification or re-query on record), refunded, paid (succeeded), pending (created, pending), failed (failed, cancelled, expired). With format=csv the rows as RFC 4180 CSV (header row, CRLF, no totals), text fields that a spreadsheet would read as a formula prefixed with an apostrophe. 400: agency_required, invalid_agency, date_required, invalid_date, invalid_format, duplicate_parameter, unknown_parameter; 404 unknown_agency.",
        ),
        access: Access::SignedIn,
        params: vec![
            json!({ "name": "agency", "in": "query", "required": true, "description": "The agency's code",
                "schema": { "type": "string", "minLength": 1, "maxLength": crate::reconciliation::MAX_AGENCY_CHARS,
                    "pattern": "^[A-Za-z0-9._-]+$", "example": "H31.11341" } }),
            json!({ "name": "date", "in": "query", "required": true, "description": "The local day, YYYY-MM-DD",
                "schema": { "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "example": "2026-11-17" } }),
            json!({ "name": "format", "in": "query", "required": false,
                "schema": { "type": "string", "enum": ["json", "csv"], "default": "json" } }),
        ],
        body: None,
        ok: (
            "200",
            json!({ "description": "The reconciliation",
                "headers": { "Content-Disposition": { "required": false,
                    "description": "With format=csv: an attachment named doi-soat-<agency>-<date>.csv",
                    "schema": { "type": "string" } } },
                "content": {
                    "application/json": { "schema": schema_ref("Reconciliation") },
                    "text/csv": { "schema": { "type": "string",
                        "description": "Columns: dossier_code, procedure_code, procedure_name, txn_ref, method, amount_vnd, refunded_vnd, status, class, created_at, paid_at, gateway_txn_no, bank_code, created_other_day, issues (joined by |)" } } } }),
        ),
        errors: &[403, 404],
    };
    let my_warehouse = Op {
        id: "myWarehouse",
        summary: "The citizen's data warehouse: results, fee receipts, digitized components and the files of earlier dossiers",
        description: Some(
            "Citizens only (403 citizens_only for staff). Newest first; drafts are not in it, nor the extracts read from national databases (read again when needed). Attach an item to a new dossier with POST /dossiers/{code}/attachments and JSON {component, warehouse_item}. The citizen's own warehouse holds what they applied for themselves; with `enterprise`, the warehouse of an enterprise they represent (Decree 45/2020 Art. 16(3)(a)), checked against the national business registration database at each call (403 not_representative, 503 enterprise_db_unavailable).",
        ),
        access: Access::SignedIn,
        params: vec![
            json!({ "name": "enterprise", "in": "query", "required": false,
            "description": "An enterprise code (GET /me/enterprises) whose warehouse to list instead of the citizen's own",
            "schema": { "type": "string", "maxLength": 20 } }),
        ],
        body: None,
        ok: (
            "200",
            json_ok(
                "The warehouse",
                object(
                    &["enterprise", "count", "items"],
                    json!({ "enterprise": { "type": "string", "nullable": true, "description": "The enterprise whose warehouse this is; null for the citizen's own" },
                    "count": { "type": "integer", "minimum": 0 },
                    "items": { "type": "array", "items": object(
                        &["id", "kind", "title", "number", "issuer", "issued_at", "status", "sha256", "mime", "size_bytes",
                          "dossier_code", "procedure_code", "component", "url", "verify_url"],
                        json!({ "id": { "type": "string" },
                            "kind": { "type": "string", "enum": ["result", "fee_receipt", "digitized", "component"] },
                            "title": { "type": "string" }, "number": nullable_string(), "issuer": nullable_string(),
                            "issued_at": date_time(false),
                            "status": { "type": "string", "enum": ["valid", "revoked"] },
                            "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                            "mime": { "type": "string" }, "size_bytes": { "type": "integer", "minimum": 0 },
                            "dossier_code": { "type": "string" }, "procedure_code": { "type": "string" },
                            "component": { "type": "string", "description": "The component it was filed as (result for a result)" },
                            "url": { "type": "string" }, "verify_url": nullable_string() })) } }),
                ),
            ),
        ),
        errors: &[403, 503],
    };
    let indicator_params = || {
        vec![
            json!({ "name": "agency", "in": "query", "required": false,
                "description": "An agency code; covers that agency and every agency whose code extends it with a dot (H31: the province; H31.11341: a commune's people's committee and its police). Absent: the whole deployment. Unknown: 404; not a code (or empty): 422 invalid_agency",
                "schema": { "type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9.]+$" } }),
            json!({ "name": "procedure", "in": "query", "required": false,
                "description": "Only this procedure (422 invalid_procedure for something that is not a code, the empty string included)",
                "schema": { "type": "string", "pattern": "^[0-9]\\.[0-9]{6}$" } }),
            json!({ "name": "period", "in": "query", "required": false,
                "description": "A year (2026), quarter (2026-Q4) or month (2026-11) in the deployment's time zone, years 2000–2100 (else 422 invalid_period); when given, from and to are ignored",
                "schema": { "type": "string", "pattern": "^(20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$" } }),
            json!({ "name": "from", "in": "query", "required": false,
                "description": "First day (YYYY-MM-DD, included, year 2000–2100, else 422 invalid_period); default the start of the current quarter",
                "schema": { "type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$" } }),
            json!({ "name": "to", "in": "query", "required": false,
                "description": "Last day (YYYY-MM-DD, included); default today. At most three years after from (422 period_too_long)",
                "schema": { "type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$" } }),
        ]
    };
    let figure = object(
        &[
            "numerator",
            "denominator",
            "rate",
            "unit",
            "points",
            "max",
            "measured",
        ],
        json!({ "numerator": { "type": "integer", "minimum": 0 }, "denominator": { "type": "integer", "minimum": 0 },
            "rate": { "type": "number", "nullable": true, "description": "Percent rounded to 2 decimals (2.2: average working minutes); null when not applicable (denominator 0) or not measured — never 0 for those" },
            "unit": { "type": "string", "enum": ["percent", "working_minutes"] },
            "points": { "type": "number", "nullable": true }, "max": { "type": "number", "minimum": 0 },
            "measured": { "type": "boolean", "description": "false: not yet measured here (see notes)" } }),
    );
    let indicators_op = Op {
        id: "indicators",
        summary: "The Decision 766 indicators of an agency (or the deployment) over a period, from recorded events",
        description: Some(
            "Public, as on the national portal. Every indicator of Decision 766/QĐ-TTg computed from what the dossiers, payments, ratings and feedback recorded: numerator, denominator, rate, points and maximum; the five group scores, the total out of 100 and its band. Thresholds and points are configuration (MOTCUA_INDICATOR_SCORING). GET /indicators/{id}/dossiers lists the dossiers behind a figure.",
        ),
        access: Access::Public,
        params: indicator_params(),
        body: None,
        ok: (
            "200",
            json_ok(
                "The figures",
                object(
                    &[
                        "agency",
                        "procedure",
                        "from",
                        "to",
                        "dossiers",
                        "indicators",
                        "groups",
                        "total",
                        "band",
                        "notes",
                    ],
                    json!({
                        "agency": { "type": "object", "nullable": true, "required": ["code", "name_vi", "name_en"],
                            "properties": { "code": { "type": "string" }, "name_vi": { "type": "string" }, "name_en": { "type": "string" } } },
                        "procedure": nullable_string(),
                        "from": date_time(false), "to": date_time(false),
                        "dossiers": { "type": "integer", "minimum": 0, "description": "Dossiers received in the period" },
                        "indicators": { "type": "object", "additionalProperties": figure,
                            "description": "By Decision 766 id (1.1 … 5.4, 3.1b, 4.5a, 4.5b) and receipt_8h (received within 8 working hours)" },
                        "groups": { "type": "object", "additionalProperties": object(&["score", "max", "scored_max"],
                            json!({ "score": { "type": "number", "nullable": true }, "max": { "type": "number" },
                                "scored_max": { "type": "number", "description": "The points of the group's indicators that had a rate" } })) },
                        "total": { "type": "number", "nullable": true, "minimum": 0, "maximum": 100 },
                        "band": { "type": "string", "nullable": true, "enum": ["excellent", "good", "fair", "average", "weak", null] },
                        "notes": { "type": "object", "additionalProperties": object(&["vi", "en"],
                            json!({ "vi": { "type": "string" }, "en": { "type": "string" } })) }
                    }),
                ),
            ),
        ),
        errors: &[404, 422],
    };
    let mut behind_params = vec![path_param(
        "id",
        "An indicator counted per dossier: 1.4, 2.1, 3.3, 3.6, 4.1, 4.2, 4.3, 4.4, 4.5b or receipt_8h (else 422 unknown_indicator)",
        json!({ "type": "string", "maxLength": 16 }),
    )];
    behind_params.extend(indicator_params());
    let indicator_dossiers = Op {
        id: "indicatorDossiers",
        summary: "The dossiers behind a figure, down to the late ones",
        description: Some(
            "Staff of the agency in scope or of one above it (403 not_in_scope); agency is required (422 agency_required).",
        ),
        access: Access::SignedIn,
        params: behind_params,
        body: None,
        ok: (
            "200",
            json_ok(
                "The dossiers",
                object(
                    &[
                        "indicator",
                        "from",
                        "to",
                        "denominator",
                        "numerator",
                        "dossiers",
                    ],
                    json!({ "indicator": { "type": "string" }, "from": date_time(false), "to": date_time(false),
                        "denominator": { "type": "integer", "minimum": 0 }, "numerator": { "type": "integer", "minimum": 0 },
                        "dossiers": { "type": "array", "items": object(&["code", "procedure", "agency", "counted"],
                            json!({ "code": { "type": "string" }, "procedure": { "type": "string" }, "agency": { "type": "string" },
                                "counted": { "type": "boolean", "description": "In the numerator (on time, online, paid online…)" } })) } }),
                ),
            ),
        ),
        errors: &[403, 404, 422],
    };
    let targets_schema = || {
        object(
            &["agency", "year", "targets"],
            json!({ "agency": { "type": "string" }, "year": { "type": "integer" },
                "targets": { "type": "array", "items": object(&["indicator", "target", "set_for"],
                    json!({ "indicator": { "type": "string" },
                        "target": { "type": "number", "minimum": 0, "maximum": 100, "description": "Percent; for total, points out of 100" },
                        "set_for": { "type": "string", "description": "The agency that set it: this one or one above it (inherited)" } })) } }),
        )
    };
    let get_targets = Op {
        id: "indicatorTargets",
        summary: "The targets in force for an agency and year (its own, else inherited from the agencies above it)",
        description: Some(
            "Public, like the figures. agency is required (422 agency_required; unknown 404; not a code 422 invalid_agency); year defaults to the current one (2020–2100, else 422 invalid_year).",
        ),
        access: Access::Public,
        params: vec![
            json!({ "name": "agency", "in": "query", "required": true,
                "schema": { "type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9.]+$" } }),
            json!({ "name": "year", "in": "query", "required": false,
                "schema": { "type": "integer", "minimum": 2020, "maximum": 2100 } }),
        ],
        body: None,
        ok: ("200", json_ok("The targets", targets_schema())),
        errors: &[404, 422],
    };
    let set_target = Op {
        id: "setIndicatorTarget",
        summary: "Set or remove an agency's target for an indicator in a year",
        description: Some(
            "Administrators of the agency or of one above it (403 not_admin); audited. target null (or absent) removes the agency's own target. 422 for an indicator that takes no target (unknown_indicator; 2.2 is a time), a year outside 2020–2100 (invalid_year), a target outside 0–100 (invalid_target), a body of another shape (invalid_body); 404 for an unknown agency. Answers the targets then in force.",
        ),
        access: Access::SignedIn,
        params: vec![],
        body: Some(json_body({
            let mut b = object(
                &["agency", "year", "indicator"],
                json!({ "agency": { "type": "string", "example": "H31" },
                    "year": { "type": "integer", "example": 2026 },
                    "indicator": { "type": "string", "example": "3.3" },
                    "target": { "type": "number", "nullable": true, "example": 80,
                        "description": "Percent (points out of 100 for total); null or absent removes the agency's own target" } }),
            );
            b["additionalProperties"] = json!(false);
            b
        })),
        ok: ("200", json_ok("The targets in force", targets_schema())),
        errors: &[403, 404, 422],
    };
    let my_enterprises = Op {
        id: "myEnterprises",
        summary: "The enterprises the citizen is the legal representative of, per the national business registration database",
        description: Some(
            "Citizens only (403 citizens_only for staff). Asked of the enterprise database at each call and written to the citizen's access log; 503 enterprise_db_unavailable when it cannot answer. Apply for one with POST /dossiers {procedure, on_behalf_of} where the procedure admits enterprises; open its warehouse with GET /me/warehouse?enterprise=.",
        ),
        access: Access::SignedIn,
        params: vec![],
        body: None,
        ok: (
            "200",
            json_ok(
                "The enterprises",
                object(
                    &["enterprises"],
                    json!({ "enterprises": { "type": "array", "items": object(&["code", "name"],
                        json!({ "code": { "type": "string" }, "name": { "type": "string" } })) } }),
                ),
            ),
        ),
        errors: &[403, 503],
    };
    let connectors = Op {
        id: "connectorHealth",
        summary: "The national databases this deployment reads from, and how each is doing over the last hour",
        description: Some(
            "For administrators and monitors of any agency (403 admins_and_monitors_only for anyone else, citizens included). Every database a province is expected to connect to is listed; status is connected (answering), degraded (over 5% errors or p95 over 2 s in the last hour), down (circuit open, or failing with no success in 5 minutes), unknown (configured, not contacted yet) or not_connected (no connector configured). summary.connected counts connected and degraded ones.",
        ),
        access: Access::SignedIn,
        params: vec![],
        body: None,
        ok: (
            "200",
            json_ok(
                "The connectors' health",
                object(
                    &["connectors", "summary", "at"],
                    json!({
                        "connectors": { "type": "array", "items": object(
                            &["name", "source", "name_vi", "name_en", "status", "last_success", "last_failure", "last_error",
                              "error_rate", "calls_last_hour", "latency_p50_ms", "latency_p95_ms", "breaker_open"],
                            json!({ "name": { "type": "string" }, "source": { "type": "string" },
                                "name_vi": { "type": "string" }, "name_en": { "type": "string" },
                                "status": { "type": "string", "enum": ["connected", "degraded", "down", "unknown", "not_connected"] },
                                "last_success": date_time(true), "last_failure": date_time(true), "last_error": nullable_string(),
                                "error_rate": { "type": "number", "minimum": 0, "maximum": 1, "nullable": true },
                                "calls_last_hour": { "type": "integer", "minimum": 0, "nullable": true },
                                "latency_p50_ms": { "type": "integer", "minimum": 0, "nullable": true },
                                "latency_p95_ms": { "type": "integer", "minimum": 0, "nullable": true },
                                "breaker_open": { "type": "boolean", "nullable": true } })) },
                        "summary": object(&["connected", "expected", "text_vi", "text_en"],
                            json!({ "connected": { "type": "integer", "minimum": 0 }, "expected": { "type": "integer", "minimum": 0 },
                                "text_vi": { "type": "string" }, "text_en": { "type": "string" } })),
                        "at": date_time(false) }),
                ),
            ),
        ),
        errors: &[403],
    };
    let npsp_sync = Op {
        id: "npspSyncStatus",
        summary: "The sync with the National Public Service Portal: lag, retries and failures",
        description: Some(
            "For the deployment's system administrators (403 not_operator otherwise). pending counts sync jobs waiting (each sends a dossier's unacknowledged updates in order); lag_seconds is the oldest one's age (null when none waits); retrying, those that failed at least once; parked, those given up on (the portal refused an update, or attempts ran out), to be retried from /staff/outbox. failing lists the dossiers whose last attempt failed, newest first (at most 20).",
        ),
        access: Access::SignedIn,
        params: vec![],
        body: None,
        ok: (
            "200",
            json_ok(
                "The sync's state",
                object(
                    &[
                        "pending",
                        "lag_seconds",
                        "retrying",
                        "parked",
                        "synced_dossiers",
                        "failing",
                    ],
                    json!({
                        "pending": { "type": "integer", "minimum": 0 },
                        "lag_seconds": { "type": "integer", "minimum": 0, "nullable": true },
                        "retrying": { "type": "integer", "minimum": 0 },
                        "parked": { "type": "integer", "minimum": 0 },
                        "synced_dossiers": { "type": "integer", "minimum": 0 },
                        "failing": { "type": "array", "items": object(&["code", "since", "error"],
                            json!({ "code": { "type": "string" }, "since": date_time(true), "error": { "type": "string" } })) },
                    }),
                ),
            ),
        ),
        errors: &[403],
    };
    let act = Op {
        id: "act",
        summary: "Run an action of the lifecycle",
        description: Some(
            "JSON; or, to issue the result as an uploaded PDF, multipart/form-data with the parts `action` (issue_result), `file` and optionally `decision` (other parts are 400 unexpected_part, other actions 422 invalid_action). Any other Content-Type is 415.",
        ),
        access: Access::SignedIn,
        params: vec![dossier_code()],
        body: Some(json!({ "required": true, "content": {
            "application/json": { "schema": schema_ref("Action") },
            "multipart/form-data": { "schema": { "type": "object", "required": ["action"], "additionalProperties": false, "properties": {
                "action": { "type": "string", "enum": ["issue_result"] },
                "decision": { "type": "string" },
                "file": { "type": "string", "format": "binary", "description": "The result is this PDF, signed as it is; without it the system drafts the result from `decision`" } } } } } })),
        ok: ("200", dossier()),
        errors: &[403, 404, 409, 422, 503],
    };
    let track = Op {
        id: "trackDossier",
        summary: "Public status by dossier code (no sign-in)",
        description: Some(
            "Public. Limited to 30 lookups a minute and 300 a day per client address (429 with Retry-After).",
        ),
        access: Access::Public,
        params: vec![path_param(
            "code",
            "The dossier's official code",
            json!({ "type": "string", "minLength": 1, "example": "H31.11341-250602-0001" }),
        )],
        body: None,
        ok: ("200", json_ok("Minimal status", schema_ref("Track"))),
        errors: &[404, 429],
    };
    let communes = Op {
        id: "listCommunes",
        summary: "The current communes of a province (after the 2025 reorganisation), by name",
        description: Some("Public. For address pickers; cacheable for a day."),
        access: Access::Public,
        params: vec![path_param(
            "code",
            "The province's two-digit official code",
            json!({ "type": "string", "pattern": "^[0-9]{2}$", "example": "31" }),
        )],
        body: None,
        ok: (
            "200",
            json_ok(
                "The province and its communes",
                object(
                    &["province", "items"],
                    json!({
                        "province": object(&["code", "name"], json!({ "code": { "type": "string" }, "name": { "type": "string" } })),
                        "items": { "type": "array", "items": object(&["code", "name"],
                            json!({ "code": { "type": "string", "pattern": "^[0-9]{5}$" }, "name": { "type": "string" } })) }
                    }),
                ),
            ),
        ),
        errors: &[404],
    };
    let submit_feedback = Op {
        id: "submitFeedback",
        summary: "Send feedback or a recommendation (phản ánh, kiến nghị) about a procedure, a dossier or an officer's conduct",
        description: Some(
            "Public: anyone may send. A signed-in citizen (bearer token or session) is its sender and is told through their notification settings; anyone else must give contact.email or contact.phone (422 invalid_form) and receives, in their messages, a link to give details and rate the answer. The body must be `application/json`. The agency refuses within 2 working days, asks for details within 5 (pausing the answer's clock until they come) and answers within 15; each step is told by email and SMS. Limited to 30 a minute and 300 a day per client address (429 with Retry-After).",
        ),
        access: Access::Public,
        params: vec![],
        body: Some(json_body(schema_ref("NewFeedback"))),
        ok: (
            "201",
            json!({ "description": "Received",
                "content": { "application/json": { "schema": schema_ref("FeedbackReceipt") } },
                "links": { "getFeedback": { "operationId": "getFeedback",
                    "parameters": { "code": "$response.body#/code" } } } }),
        ),
        errors: &[422, 429, 503],
    };
    let get_feedback = Op {
        id: "getFeedback",
        summary: "A feedback item: status and dates for everyone, more for its sender and the agency's staff",
        description: Some(
            "Public. Contact details, the officer named, the dossier, details, reasons and the rating are only in the sender's and the agency staff's view; content and answer are public once the agency publishes them. Limited to 30 lookups a minute and 300 a day per client address (429 with Retry-After).",
        ),
        access: Access::Public,
        params: vec![path_param(
            "code",
            "The feedback's code",
            json!({ "type": "string", "minLength": 1, "example": "PAKN-261117-0001" }),
        )],
        body: None,
        ok: ("200", json_ok("The item", schema_ref("Feedback"))),
        errors: &[404, 429],
    };
    let facts = Op {
        id: "getDocument",
        summary: "Public facts of an issued document (type, number, agency, date, status, SHA-256)",
        description: None,
        access: Access::Public,
        params: vec![uuid_param("id", "The document's id")],
        body: None,
        ok: ("200", json_ok("Register entry", schema_ref("PublicFacts"))),
        errors: &[404],
    };
    let revoke = Op {
        id: "revokeDocument",
        summary: "Revoke an issued document (leader of the issuing agency; audited)",
        description: None,
        access: Access::SignedIn,
        params: vec![uuid_param("id", "The document's id")],
        body: Some(json_body(
            json!({ "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string", "minLength": 1 } } }),
        )),
        ok: ("200", json_ok("Revoked", schema_ref("PublicFacts"))),
        errors: &[403, 404, 409, 422],
    };
    let verify = Op {
        id: "verifyPdf",
        summary: "Check a PDF: PAdES signature, chain to the deployment CA, and the register",
        description: Some(
            "Public. The body is the PDF itself (application/pdf or application/octet-stream; anything else is 415). Limited to 20 checks a minute per client address (429 with Retry-After).",
        ),
        access: Access::Public,
        params: vec![],
        body: Some(json!({ "required": true, "content": {
            "application/pdf": { "schema": { "type": "string", "format": "binary", "minLength": 1 } },
            "application/octet-stream": { "schema": { "type": "string", "format": "binary", "minLength": 1 } } } })),
        ok: ("200", json_ok("Outcome", schema_ref("CheckOutcome"))),
        errors: &[422, 429],
    };
    let me = Op {
        id: "me",
        summary: "Who am I",
        description: None,
        access: Access::SignedIn,
        params: vec![],
        body: None,
        ok: ("200", json_ok("The caller", schema_ref("Me"))),
        errors: &[],
    };
    let my_documents = Op {
        id: "myDocuments",
        summary: "The citizen's electronic results from all their dossiers (title, number, issuing agency, date, valid/revoked, SHA-256, download and verification links)",
        description: Some("Citizens only (403 citizens_only for staff)."),
        access: Access::SignedIn,
        params: vec![],
        body: None,
        ok: (
            "200",
            json_ok("Electronic results", schema_ref("Documents")),
        ),
        errors: &[403],
    };
    let my_access_log = Op {
        id: "myAccessLog",
        summary: "Who read the citizen's data: every read by someone else, newest first (at most 200)",
        description: Some(
            "Citizens only (403 citizens_only for staff). Reads by the citizen themselves are not listed; refused attempts are (allowed: false).",
        ),
        access: Access::SignedIn,
        params: vec![],
        body: None,
        ok: (
            "200",
            json_ok(
                "The access log",
                object(
                    &["count", "items"],
                    json!({ "count": { "type": "integer", "minimum": 0 },
                    "items": { "type": "array", "items": object(
                        &["at", "actor", "role", "agency", "purpose", "dossier", "allowed"],
                        json!({ "at": date_time(false), "actor": { "type": "string" }, "role": { "type": "string" },
                            "agency": nullable_string(),
                            "purpose": { "type": "string", "enum": ["dossier.view", "dossier.file", "dossier.audit", "counter.lookup", "apply.prefill", "apply.component", "assist.request", "apply.enterprise", "warehouse.enterprise", "enterprise.list"] },
                            "dossier": nullable_string(), "allowed": { "type": "boolean" } })) } }),
                ),
            ),
        ),
        errors: &[403],
    };
    let staff_login = Op {
        id: "staffSignIn",
        summary: "Staff password sign-in (sets the session cookie)",
        description: Some(
            "Public. Wrong credentials are 401; after failed attempts the next ones wait a growing delay, and more than 10 attempts a minute from one address are refused (429 with Retry-After).",
        ),
        access: Access::Public,
        params: vec![],
        body: Some(json_body(schema_ref("StaffLogin"))),
        ok: (
            "200",
            json!({ "description": "Signed in",
                "headers": { "Set-Cookie": { "required": true, "schema": { "type": "string" } } },
                "content": { "application/json": { "schema": object(&["username", "roles"], json!({
                    "username": { "type": "string" },
                    "roles": { "type": "array", "items": schema_ref("StaffRole") } })) } } }),
        ),
        errors: &[401, 403, 429],
    };
    let document = Op {
        id: "openapi",
        summary: "This document",
        description: None,
        access: Access::Public,
        params: vec![],
        body: None,
        ok: ("200", json_ok("OpenAPI 3", json!({ "type": "object" }))),
        errors: &[],
    };
    json!({
        "/openapi.json": { "get": document.build() },
        "/procedures": { "get": get_procedures.build() },
        "/procedures/{code}": { "get": get_procedure.build() },
        "/assistant": { "get": ask_assistant.build() },
        "/dossiers": { "post": create.build(), "get": list.build() },
        "/dossiers/{code}": { "get": get.build(), "delete": delete_draft.build() },
        "/dossiers/{code}/form": { "put": form.build() },
        "/dossiers/{code}/attachments": { "post": attach.build() },
        "/dossiers/{code}/attachments/{id}": { "get": download.build() },
        "/dossiers/{code}/notices/{kind}": { "get": notice.build() },
        "/dossiers/{code}/submit": { "post": submit.build() },
        "/dossiers/{code}/payments": { "post": start_payment.build() },
        "/payments/reconciliation": { "get": reconciliation.build() },
        "/connectors": { "get": connectors.build() },
        "/sync/npsp": { "get": npsp_sync.build() },
        "/dossiers/{code}/actions": { "post": act.build() },
        "/track/{code}": { "get": track.build() },
        "/provinces/{code}/communes": { "get": communes.build() },
        "/feedback": { "post": submit_feedback.build() },
        "/feedback/{code}": { "get": get_feedback.build() },
        "/documents/{id}": { "get": facts.build() },
        "/documents/{id}/revoke": { "post": revoke.build() },
        "/verify": { "post": verify.build() },
        "/me": { "get": me.build() },
        "/me/documents": { "get": my_documents.build() },
        "/me/access-log": { "get": my_access_log.build() },
        "/me/warehouse": { "get": my_warehouse.build() },
        "/me/enterprises": { "get": my_enterprises.build() },
        "/indicators": { "get": indicators_op.build() },
        "/indicators/targets": { "get": get_targets.build(), "put": set_target.build() },
        "/indicators/{id}/dossiers": { "get": indicator_dossiers.build() },
        "/auth/staff": { "post": staff_login.build() },
    })
}

pub fn spec() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "motcua API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Administrative procedures online: catalogue, dossiers and their lifecycle (SPEC §14, §17). Authenticate with `Authorization: Bearer <token>` (`motcua token create`) or the session cookie of a browser sign-in. Every error is `application/problem+json` with a stable `code`. Bodies of JSON operations must be declared `application/json` (else 415); request URIs are limited to 8 KiB (414)."
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token (`motcua token create`)" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE,
                    "description": "A browser session; writes must come from our own origin (else 403 cross_site_request)" }
            },
            "schemas": schemas(),
            "responses": error_responses()
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths()
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

/// An interconnected group's members, as a dossier and its public tracking list them.
fn group_members() -> Value {
    json!({ "type": "array", "description": "An interconnected group's members (Decree 63/2024), in the catalogue's order, started or not; empty for any other dossier. A member that waits for another's result starts by itself when that result is issued; it is cancelled if that member ends without one. The group's status follows its members': in processing until each is done, then result ready or returned (stopped when none has a result).",
        "items": object(&["code", "procedure", "procedure_name_vi", "procedure_name_en", "agency", "status", "state", "after"],
            json!({ "code": nullable_string(), "procedure": { "type": "string" },
                "procedure_name_vi": { "type": "string" }, "procedure_name_en": { "type": "string" },
                "agency": nullable_string(),
                "status": { "type": "integer", "minimum": 0, "maximum": 10, "nullable": true },
                "state": { "type": "string", "enum": ["started", "waiting", "cancelled"] },
                "after": nullable_string() })) })
}
