"""A tripwire in the media process: aiortc's codec factories refuse to work there, and count the attempts.

The forwarding server never decodes or encodes. Should a change ever let aiortc's stock sender or
receiver start in this process, they would reach ``get_encoder``/``get_decoder`` — which here raise
instead, and leave a count the control API reports (``inspect``) and the tests assert is zero.
"""

from __future__ import annotations

import threading
from typing import Any, NoReturn

import aiortc.codecs
import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender

attempts = {"encoder": 0, "decoder": 0}


class CodecForbidden(RuntimeError):
    pass


def _no_encoder(*args: Any, **kwargs: Any) -> NoReturn:
    attempts["encoder"] += 1
    raise CodecForbidden("no encoder may be created in the media server process")


def _no_decoder(*args: Any, **kwargs: Any) -> NoReturn:
    attempts["decoder"] += 1
    raise CodecForbidden("no decoder may be created in the media server process")


def forbid_codecs() -> None:
    """Replace aiortc's codec factories, where its sender and receiver look them up, for this process."""
    for module in (aiortc.codecs, aiortc.rtcrtpsender):
        setattr(module, "get_encoder", _no_encoder)  # noqa: B010
    for module in (aiortc.codecs, aiortc.rtcrtpreceiver):
        setattr(module, "get_decoder", _no_decoder)  # noqa: B010


def report() -> dict[str, int]:
    """Codec creation attempts, and aiortc decoder threads alive (its receivers name them '<kind>-decoder')."""
    decoder_threads = sum(1 for t in threading.enumerate() if t.name.endswith("-decoder"))
    return {"encoders": attempts["encoder"], "decoders": attempts["decoder"], "decoder_threads": decoder_threads}
