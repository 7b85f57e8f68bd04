"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from indexer.search.base import FACETS, SORTS
from portal.upload.views import METADATA_FIELDS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {400: "Bad input", 401: "Not authenticated", 403: "Not allowed", 404: "Not found (or hidden)"}
    return {str(s): _json(_ref("Error"), text[s]) for s in statuses}


def _json_body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def _int_path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "integer"}}


SEARCH_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "q",
        "in": "query",
        "description": 'Query (words, "phrases", AND/OR/NOT, field:value, prefix*).',
        "schema": {"type": "string"},
    },
    {
        "name": "filter",
        "in": "query",
        "description": f"FIELD=VALUE, repeatable; FIELD one of {', '.join(FACETS)}.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    },
    {
        "name": "f",
        "in": "query",
        "description": "FIELD:VALUE, repeatable (the search page's form of filter).",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    },
    {
        "name": "from",
        "in": "query",
        "description": "Earliest date: YYYY, YYYY-MM or YYYY-MM-DD.",
        "schema": {"type": "string"},
    },
    {
        "name": "to",
        "in": "query",
        "description": "Latest date: YYYY, YYYY-MM or YYYY-MM-DD.",
        "schema": {"type": "string"},
    },
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
]

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message_zh", "message_en"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message_zh": {"type": "string"},
                    "message_en": {"type": "string"},
                },
            }
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["total", "took_ms", "hits", "facets"],
        "properties": {
            "total": {"type": "integer", "description": "Exact number of matching records."},
            "took_ms": {"type": "number"},
            "hits": {"type": "array", "items": _ref("SearchHit")},
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
                    },
                },
            },
            "facets_incomplete": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Facets not counted within the time budget (very common terms); their lists are empty.",
            },
            "entries": {
                "type": "array",
                "description": "Researchers only: restricted records matching on their public catalogue fields "
                "(LANTAI_DISCOVERY_FIELDS), to ask access for; no snippet, no pages.",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "fields": {"type": "object"},
                    },
                },
            },
            "entries_total": {"type": "integer", "description": "How many restricted records match so."},
        },
    },
    "SearchHit": {
        "type": "object",
        "required": ["id", "title", "snippet"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "filename": {"type": "string"},
            "score": {"type": "number"},
            "snippet": {"type": "string", "description": "HTML-safe; matches wrapped in <mark>."},
            "pages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"number": {"type": "integer"}, "snippet": {"type": "string"}},
                },
            },
            "fields": {"type": "object"},
        },
    },
    "Record": {
        "type": "object",
        "required": ["id", "access_level", "readable"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": ["string", "null"]},
            "reference_code": {"type": ["string", "null"], "description": "档号"},
            "date": {"type": ["string", "null"], "format": "date"},
            "access_level": {"type": "string", "enum": ["open", "internal", "restricted", "secret"]},
            "readable": {"type": "boolean", "description": "Whether the caller may read pages and files."},
            "original": {"type": ["object", "null"]},
            "pages": {
                "type": "array",
                "items": {"type": "object", "properties": {"number": {"type": "integer"}, "url": {"type": "string"}}},
            },
        },
        "additionalProperties": True,
    },
    "Page": {
        "type": "object",
        "required": ["record_id", "number", "text", "source", "words"],
        "properties": {
            "record_id": {"type": "integer"},
            "number": {"type": "integer"},
            "text": {"type": "string"},
            "source": {"type": "string", "enum": ["text_layer", "ocr", "electronic", "none"]},
            "confidence": {"type": ["number", "null"]},
            "width": {"type": ["integer", "null"]},
            "height": {"type": ["integer", "null"]},
            "words": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "confidence": {"type": ["number", "null"]},
                        "left": {"type": "number"},
                        "top": {"type": "number"},
                        "width": {"type": "number"},
                        "height": {"type": "number"},
                    },
                },
            },
        },
    },
    "Job": {
        "type": "object",
        "required": ["id", "status", "pages_done"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "record_id": {"type": ["integer", "null"]},
            "pages_done": {"type": "integer"},
            "pages_total": {"type": ["integer", "null"]},
            "error": {"type": ["object", "null"]},
            "duplicate_of": {"type": ["integer", "null"]},
            "record_url": {"type": ["string", "null"]},
        },
    },
    "AccessRequest": {
        "type": "object",
        "required": ["id", "record_id", "status"],
        "properties": {
            "id": {"type": "integer"},
            "record_id": {"type": "integer"},
            "user": {"type": ["string", "null"]},
            "purpose": {"type": "string", "description": "利用目的"},
            "days_requested": {"type": "integer"},
            "status": {"type": "string", "enum": ["pending", "approved", "denied"]},
            "reason": {"type": ["string", "null"]},
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
}


def _json_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}


_TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}
# Collection and transfer (收集、移交与接收): ``portal/collection/api.py``; clerks see their own department.
COLLECTION_PATHS: dict[str, Any] = {
    "/collection/tasks": {"get": {
        "summary": "Filing tasks (归档任务) with due date and state (open, submitted, returned, accepted, overdue)",
        "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": _json_answer("{tasks: [task]}")}}},
    "/collection/tasks/{task_id}": {"get": {
        "summary": "One filing task", "parameters": [_TASK_ID],
        "responses": {"200": _json_answer("The task"), "404": _json_answer("No such task")}}},
    "/collection/tasks/{task_id}/transfers": {"post": {
        "summary": "Submit files with a transfer list (移交清册, CSV or XLSX) against a task",
        "parameters": [_TASK_ID],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["files"],
            "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                           "list": {"type": "string", "format": "binary"}}}}}},
        "responses": {"202": _json_answer("{transfer_id, items, missing, unlisted}"),
                      "400": _json_answer("A bad list row, a closed task (both languages)"),
                      "403": _json_answer("A clerk submitting for another department")}}},
    "/collection/transfers/{transfer_id}": {"get": {
        "summary": "A transfer: its items and the receipt checks (DA/T 70) with explanations",
        "parameters": [{"name": "transfer_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json_answer("The transfer")}}},
    "/collection/schedule": {"get": {
        "summary": "The filing schedule (归档范围与保管期限表): its active lines with 门类, 保管期限 and filing rule",
        "responses": {"200": _json_answer("{lines: [line]}")}}},
}


_BATCH_ID = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_IDS_BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
# Appraisal, opening and disposal (鉴定、开放审核、销毁): ``portal/lifecycle/api.py``.
LIFECYCLE_PATHS: dict[str, Any] = {
    "/lifecycle/due/{kind}": {"get": {
        "summary": "Records due for appraisal (kind disposal) or the opening review (kind opening)",
        "parameters": [{"name": "kind", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["disposal", "opening"]}},
                       {"name": "fonds", "in": "query", "schema": {"type": "string"}},
                       {"name": "department", "in": "query", "schema": {"type": "string"}},
                       {"name": "year", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": _json_answer("{records: [record], total}")}}},
    "/lifecycle/opening/proposals": {
        "get": {"summary": "Opening proposals (开放审核意见)",
                "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _json_answer("{proposals: [proposal]}")}},
        "post": {"summary": "Propose open, controlled or defer: {records, decision, reason, defer_years?}",
                 "requestBody": _IDS_BODY,
                 "responses": {"201": _json_answer("{proposals}"),
                               "409": _json_answer("Under review already, or secret (both languages)")}}},
    "/lifecycle/opening/signatures": {"post": {
        "summary": "Sign proposals as the department's clerk or an administrator: {proposals}",
        "requestBody": _IDS_BODY,
        "responses": {"200": _json_answer("{proposals}"),
                      "403": _json_answer("Own proposal, another department"),
                      "409": _json_answer("Signed twice, already decided")}}},
    "/lifecycle/appraisals": {"post": {
        "summary": "Appraise expired records: {records, decision (extend|destroy), reason, retention?}",
        "requestBody": _IDS_BODY,
        "responses": {"201": _json_answer("{appraisals}"),
                      "409": _json_answer("Permanent record, retention not expired")}}},
    "/lifecycle/destruction/batches": {
        "get": {"summary": "Destruction batches", "responses": {"200": _json_answer("{batches}")}},
        "post": {"summary": "Propose a destruction batch: {records, title?}", "requestBody": _IDS_BODY,
                 "responses": {"201": _json_answer("The batch")}}},
    "/lifecycle/destruction/batches/{batch_id}/approvals": {"post": {
        "summary": "Approve a batch (two people other than the proposer)", "parameters": [_BATCH_ID],
        "responses": {"200": _json_answer("The batch"), "403": _json_answer("Own batch"),
                      "409": _json_answer("Approved twice")}}},
    "/lifecycle/destruction/batches/{batch_id}/execution": {"post": {
        "summary": "Carry out an approved batch: {witness}", "parameters": [_BATCH_ID], "requestBody": _IDS_BODY,
        "responses": {"200": _json_answer("{tombstones, originals_removed}"),
                      "409": _json_answer("Not approved, legal hold, changed after appraisal")}}},
    "/lifecycle/destruction/batches/{batch_id}/register.{fmt}": {"get": {
        "summary": "The 销毁清册 as XLSX or PDF",
        "parameters": [_BATCH_ID, {"name": "fmt", "in": "path", "required": True,
                                   "schema": {"type": "string", "enum": ["xlsx", "pdf"]}}],
        "responses": {"200": {"description": "The file"}}}},
    "/lifecycle/tombstones": {"get": {"summary": "Tombstones of destroyed records",
                                      "responses": {"200": _json_answer("{tombstones}")}}},
    "/lifecycle/holds": {
        "get": {"summary": "Legal holds in force", "responses": {"200": _json_answer("{holds}")}},
        "post": {"summary": "Set or release a legal hold (administrators): {record, reason, release?}",
                 "requestBody": _IDS_BODY, "responses": {"200": _json_answer("The hold")}}},
}


def openapi_document(server_url: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document; ``server_url`` is this portal's address."""
    request_item = {"type": "object", "properties": {"request": _ref("AccessRequest")}}
    paths: dict[str, Any] = {
        "/search": {
            "get": {
                "operationId": "search",
                "summary": "Full-text search with facets (access applied inside the engine)",
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _json(_ref("SearchResponse"), "Hits of the requested page, facets, exact total"),
                    **_errors(400, 401),
                },
            }
        },
        "/records/{record_id}": {
            "get": {
                "operationId": "getRecord",
                "summary": "A record's description",
                "parameters": [_int_path("record_id", "Record id")],
                "responses": {"200": _json(_ref("Record"), "The record"), **_errors(401, 404)},
            },
            "patch": {
                "operationId": "updateRecord",
                "summary": "Change a record's description (staff): the fields of the description form",
                "description": (
                    "A JSON object of description fields (title, date, creator, classification 密级, openness "
                    "开放标识, fonds_code, category_code, year, retention, department, department_code, doc_number, "
                    "carrier, subject_terms, note, page_count, access_override). The access level follows 密级 "
                    "and 开放标识; every change is an audit event. A bad value changes nothing (400)."
                ),
                "parameters": [_int_path("record_id", "Record id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "record": {"oneOf": [_ref("Record"), {"type": "null"}]},
                                "changes": {"type": "array"},
                            },
                        },
                        "The record as changed (null when the change hid it from the caller), and each change",
                    ),
                    **_errors(400, 401, 403, 404),
                },
            },
        },
        "/records/{record_id}/pages/{number}": {
            "get": {
                "operationId": "getPage",
                "summary": "One page: text, source, confidence, word boxes",
                "parameters": [_int_path("record_id", "Record id"), _int_path("number", "Page number (from 1)")],
                "responses": {"200": _json(_ref("Page"), "The page"), **_errors(401, 403, 404)},
            }
        },
        "/records/{record_id}/download": {
            "get": {
                "operationId": "downloadOriginal",
                "summary": "The original file as an attachment",
                "parameters": [_int_path("record_id", "Record id")],
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {
                            "application/octet-stream": {
                                "schema": {"type": "string", "contentMediaType": "application/octet-stream"}
                            }
                        },
                    },
                    **_errors(401, 403, 404),
                },
            }
        },
        "/documents": {
            "post": {
                "operationId": "uploadDocument",
                "summary": "Upload a file with metadata (staff)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                                    **{name: {"type": "string"} for name in METADATA_FIELDS},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["job_id"],
                            "properties": {
                                "job_id": {"type": "string"},
                                "status_url": {"type": "string"},
                                "problems": {
                                    "type": "array",
                                    "description": "Values that cannot be used (unknown 机构, 门类, 保管期限 ...): "
                                    "the file is kept and flagged for review with the same problems.",
                                    "items": {
                                        "type": "object",
                                        "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                                    },
                                },
                            },
                        },
                        "Queued",
                    ),
                    **_errors(400, 401, 403),
                },
            }
        },
        "/jobs/{job_id}": {
            "get": {
                "operationId": "getJob",
                "summary": "A job's status and progress (staff)",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json(_ref("Job"), "The job"), **_errors(401, 403, 404)},
            }
        },
        "/access-requests": {
            "get": {
                "operationId": "listAccessRequests",
                "summary": "Own requests (researcher) or the queue (staff)",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["pending", "approved", "denied"]},
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"requests": {"type": "array", "items": _ref("AccessRequest")}},
                        },
                        "Requests",
                    ),
                    **_errors(401),
                },
            },
            "post": {
                "operationId": "createAccessRequest",
                "summary": "Ask for a restricted record (researcher)",
                "requestBody": _json_body(
                    {"record_id": {"type": "integer"}, "purpose": {"type": "string"}, "days": {"type": "integer"}},
                    required=("record_id", "purpose"),
                ),
                "responses": {"201": _json(request_item, "Created"), **_errors(400, 401, 403, 404)},
            },
        },
        "/access-requests/{request_id}/approve": {
            "post": {
                "operationId": "approveAccessRequest",
                "summary": "Approve with an expiry (archivist)",
                "parameters": [_int_path("request_id", "Request id")],
                "requestBody": _json_body({"days": {"type": "integer"}, "note": {"type": "string"}}),
                "responses": {"200": _json(request_item, "Approved"), **_errors(400, 401, 403, 404)},
            }
        },
        "/access-requests/{request_id}/deny": {
            "post": {
                "operationId": "denyAccessRequest",
                "summary": "Deny with a reason (archivist)",
                "parameters": [_int_path("request_id", "Request id")],
                "requestBody": _json_body({"reason": {"type": "string"}}, required=("reason",)),
                "responses": {"200": _json(request_item, "Denied"), **_errors(400, 401, 403, 404)},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lantai (兰台) API",
            "version": "1",
            "description": (
                "Full-text search and retrieval of digitized archives. "
                "Errors carry a code and messages in Chinese and English."
            ),
        },
        "servers": [{"url": f"{server_url}/api/v1"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}, {}],
        "paths": {**paths, **COLLECTION_PATHS, **LIFECYCLE_PATHS},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from the account page.",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "lantai_session",
                    "description": "The browser session; unsafe methods also need the X-CSRFToken header.",
                },
            },
        },
    }
