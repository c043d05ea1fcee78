"""The selective forwarding media server: aiortc for ICE/DTLS/SRTP/SDP, giaoban's own RTP layer.

Knows nothing of the database models of ``meetings``.
"""
