"""Minutes (biên bản) and conclusion notices (thông báo kết luận) of a meeting: the secretary's editor with
its versions, the chair's approval and what it sets off (number, PDF, signatures, filing, mail), and the
conclusion notice with its 5-working-day deadline. See docs/minutes.md."""
