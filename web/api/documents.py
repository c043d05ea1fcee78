"""Meeting documents through the API: upload (multipart/form-data, field ``file``), list, read, download,
remove, and send those not yet mailed to everyone invited. Size and type are refused here with the precise
status (413 too large, 415 a type not taken) before the domain checks the content against the extension
(422 when a ``.pdf`` is not a PDF).
"""

from __future__ import annotations

from starlette.responses import FileResponse

from meetings import document_mail, documents, scheduling
from meetings.errors import NotFound
from meetings.meeting import Document
from web.api.meeting_models import DocumentOut, DocumentsSent
from web.api.problems import ApiProblem
from web.api.routing import Call, Operation
from web.context import document_store


def _of_meeting(call: Call) -> Document:
    """The document named in the path, if it belongs to the meeting in the path and the caller may see it."""
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    document = call.session.get(Document, call.id("document_id"))
    if document is None or document.meeting_id != meeting.id:
        raise NotFound("Cuộc họp này không có tài liệu được yêu cầu.", field="document_id")
    return document


def list_documents(call: Call) -> list[DocumentOut]:
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    return [DocumentOut.of(d) for d in scheduling.meeting_detail(call.session, meeting).documents]


def upload_document(call: Call) -> DocumentOut:
    upload = call.upload
    assert upload is not None
    meeting_id = call.id("meeting_id")
    # Access first: a caller who may not see the meeting learns nothing about what it accepts.
    scheduling.get_meeting(call.session, call.person, meeting_id)
    name = documents.sanitize_filename(upload.filename)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in documents.FILE_TYPES:
        raise ApiProblem(
            415, f"Không nhận tệp «{name}»: chỉ nhận các loại tệp {documents.allowed_extensions()}.", field="file"
        )
    store = document_store(call.context.settings)
    document = documents.add_document(
        call.session, call.person, meeting_id, upload.filename, upload.content_type, upload.data, store
    )
    return DocumentOut.of(document)


def get_document(call: Call) -> DocumentOut:
    return DocumentOut.of(_of_meeting(call))


def download_document(call: Call) -> FileResponse:
    document = _of_meeting(call)
    assert document.id is not None
    document, path = documents.open_document(
        call.session, call.person, document.id, document_store(call.context.settings)
    )
    return FileResponse(
        path,
        media_type=document.content_type,
        filename=document.filename,
        headers={"Cache-Control": "private, no-store"},
    )


def remove_document(call: Call) -> None:
    document = _of_meeting(call)
    assert document.id is not None
    documents.remove_document(call.session, call.person, document.id, document_store(call.context.settings))


def send_documents(call: Call) -> DocumentsSent:
    meeting = scheduling.get_meeting(call.session, call.person, call.id("meeting_id"))
    assert meeting.id is not None
    sent = document_mail.send_documents(call.session, call.person, meeting.id)
    return DocumentsSent(
        documents=[DocumentOut.of(d) for d in sent.documents], mails=sent.mails, sent_at=sent.sent_at
    )


_DOCUMENT = "/meetings/{meeting_id:int}/documents/{document_id:int}"

OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/meetings/{meeting_id:int}/documents",
        list_documents,
        "Tài liệu của cuộc họp",
        "documents",
        response=list[DocumentOut],
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        "/meetings/{meeting_id:int}/documents",
        upload_document,
        "Tải lên một tài liệu",
        "documents",
        upload=True,
        response=DocumentOut,
        status=201,
        errors=(400, 401, 403, 404, 409, 413, 415, 422),
        description="multipart/form-data, tệp trong trường `file`. Nhận pdf, doc(x), xls(x), ppt(x), odt/ods/odp, "
        "png, jpg, txt, zip; quá dung lượng → 413, loại tệp khác → 415, nội dung không khớp phần mở rộng → 422.",
    ),
    Operation(
        "GET",
        _DOCUMENT,
        get_document,
        "Thông tin một tài liệu",
        "documents",
        response=DocumentOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "GET",
        _DOCUMENT + "/content",
        download_document,
        "Tải xuống tài liệu",
        "documents",
        download=True,
        errors=(401, 403, 404),
    ),
    Operation("DELETE", _DOCUMENT, remove_document, "Gỡ tài liệu", "documents", errors=(401, 403, 404, 409)),
    Operation(
        "POST",
        "/meetings/{meeting_id:int}/documents/send",
        send_documents,
        "Gửi tài liệu chưa gửi cho các điểm cầu",
        "documents",
        response=DocumentsSent,
        errors=(401, 403, 404, 409),
        description="Người quản lý cuộc họp gửi các tài liệu chưa gửi (tải lên sau khi phát hành giấy mời) cho mọi "
        "điểm cầu và người được mời: mỗi người một thư, qua hộp thư đi, tài liệu đính kèm trong giới hạn dung lượng, "
        "tài liệu lớn hơn gửi đường dẫn. Gửi lại chỉ gửi tài liệu chưa gửi (không còn gì: `documents` rỗng). "
        "Cuộc họp mật, chưa phát hành hoặc đã kết thúc → 409; không quản lý cuộc họp → 403.",
    ),
]
