"""``giaoban bench media``: the forwarding server against aiortc's stock relay, on this machine."""
