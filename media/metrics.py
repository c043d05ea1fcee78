"""Per-participant figures as Prometheus metrics, read from the live objects at scrape time.

A collector rather than counters updated on the packet path: nothing is paid per packet, and a
participant who leaves leaves no stale series behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from media.room import Room

PREFIX = "giaoban_media"


class MediaCollector(Collector):
    def __init__(self, rooms: Mapping[str, Room]) -> None:
        """``rooms``: the server's own live mapping of rooms by id, read at every scrape."""
        self._rooms = rooms

    def collect(self) -> Iterator[Metric]:
        labels = ["room", "participant"]

        def counter(name: str, doc: str, extra: tuple[str, ...] = ()) -> CounterMetricFamily:
            return CounterMetricFamily(f"{PREFIX}_{name}", doc, labels=[*labels, *extra])

        def gauge(name: str, doc: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)

        participants = GaugeMetricFamily(f"{PREFIX}_participants", "Participants in a room", labels=["room"])
        bytes_in = counter("received_bytes", "Media bytes received from a participant")
        bytes_out = counter("sent_bytes", "Media bytes sent to a participant")
        packets_in = counter("received_packets", "RTP packets received from a participant")
        forwarded = counter("forwarded_packets", "RTP packets forwarded to a participant")
        lost = counter("lost_packets", "RTP packets from a participant that never arrived")
        bitrate_in = gauge("bitrate_in_bps", "Bitrate received from a participant")
        bitrate_out = gauge("bitrate_out_bps", "Bitrate sent to a participant")
        rtt = gauge("round_trip_seconds", "Round-trip time to a participant")
        dropped = counter("dropped_packets", "Packets from or to a participant that were dropped", ("reason",))
        for room in list(self._rooms.values()):
            participants.add_metric([room.id], len(room.participants))
            for p in list(room.participants.values()):
                key = [room.id, p.id]
                bytes_in.add_metric(key, p.bytes_received)
                bytes_out.add_metric(key, p.bytes_sent)
                packets_in.add_metric(key, p.packets_received)
                forwarded.add_metric(key, p.packets_forwarded)
                lost.add_metric(key, p.packets_lost)
                bitrate_in.add_metric(key, p.bitrate_in)
                bitrate_out.add_metric(key, p.bitrate_out)
                if p.rtt is not None:
                    rtt.add_metric(key, p.rtt)
                for reason, count in p.dropped.items():
                    dropped.add_metric([*key, reason], count)
        yield from (
            participants,
            bytes_in,
            bytes_out,
            packets_in,
            forwarded,
            lost,
            bitrate_in,
            bitrate_out,
            rtt,
            dropped,
        )
