"""Errors of the media server's own API. ``media`` knows nothing of ``meetings``: the web side maps these."""

from __future__ import annotations


class MediaError(Exception):
    """A request the media server refuses; ``code`` is stable, the message is for logs and developers."""

    code = "media_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NegotiationError(MediaError):
    """The SDP offer cannot be answered (malformed, no BUNDLE, no codec in common...)."""

    code = "bad_offer"


class UnknownParticipant(MediaError):
    code = "unknown_participant"


class UnknownTrack(MediaError):
    code = "unknown_track"


class IncompatibleSlot(MediaError):
    """The slot cannot carry that track (other kind, or no codec in common: the server never transcodes)."""

    code = "incompatible_slot"


class BadRequest(MediaError):
    """A control message that is not well formed."""

    code = "bad_request"


class MalformedPacket(Exception):
    """A received RTP/RTCP packet that is dropped; ``reason`` names the counter it is counted under."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
