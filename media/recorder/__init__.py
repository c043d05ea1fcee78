"""The meeting recorder: a process of its own that joins a room like a site, receives the main view and the
audio being heard, and writes them to one file (H.264 and AAC in MP4).

It is the one place where giaoban decodes and encodes on the server side, and it runs apart from the media
server, which only forwards (``python -m media.recorder``; the web app starts it, see
``web.room.recording``). It knows nothing of the database: it is given the signalling address, a join token
(in the environment, ``GIAOBAN_RECORDER_TOKEN``) and the file to write.

- ``mixing`` — the audio mix and the picture held between frames;
- ``writer`` — the file, written under a temporary name and renamed when complete;
- ``peer`` — the signalling client and the receive-only peer connection;
- ``__main__`` — the clock that samples both at a constant rate, and stopping cleanly.
"""
